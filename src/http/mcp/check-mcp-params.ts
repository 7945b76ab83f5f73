import { specTypeSchemas } from "@modelcontextprotocol/server";
import { maxJsonSchemaDepth, nestsWithin } from "../../core/chat-schema.js";

/** Deep enough for any tool argument the gateway takes (JSON Schemas nest at most `maxJsonSchemaDepth`). */
const maxMessageDepth = maxJsonSchemaDepth + 16;

/** The spec types of the messages the gateway serves, by method: their params are checked here. */
const specTypeByMethod: Record<string, keyof typeof specTypeSchemas> = {
  initialize: "InitializeRequest",
  ping: "PingRequest",
  "tools/list": "ListToolsRequest",
  "tools/call": "CallToolRequest",
  "notifications/initialized": "InitializedNotification",
  "notifications/cancelled": "CancelledNotification",
};

/**
 * A readable reason why a JSON-RPC message's params do not fit its method,
 * or undefined when they do (or the method is not one we check). The SDK
 * answers such a message with -32603 Internal error and a raw validation dump;
 * the door answers -32602 Invalid params with this text instead.
 */
export function invalidMcpParams(message: unknown): string | undefined {
  if (typeof message !== "object" || message === null || Array.isArray(message)) return undefined;
  const method = (message as { method?: unknown }).method;
  // The SDK serializes what it is handed, recursively: a hostile depth would overflow its stack.
  if (!nestsWithin(message, maxMessageDepth)) {
    return `Invalid params${typeof method === "string" ? ` for ${method}` : ""}: the message nests more than ${maxMessageDepth} levels deep`;
  }
  if (typeof method !== "string" || !Object.hasOwn(specTypeByMethod, method)) return undefined;
  const specType = specTypeByMethod[method] as keyof typeof specTypeSchemas;
  let outcome: ReturnType<(typeof specTypeSchemas)[typeof specType]["~standard"]["validate"]>;
  try {
    outcome = specTypeSchemas[specType]["~standard"].validate(message);
  } catch (error) {
    // JSON nested deep enough overflows the validator's stack.
    return `Invalid params for ${method}: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (outcome instanceof Promise || !outcome.issues) return undefined;
  const problems = outcome.issues.map((issue) => {
    const path = (issue.path ?? [])
      .map((segment) => (typeof segment === "object" ? segment.key : segment))
      .join(".");
    return `${path || "message"}: ${issue.message}`;
  });
  return `Invalid params for ${method}: ${problems.join("; ")}`;
}
