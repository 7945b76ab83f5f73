import type { CallToolResult } from "@modelcontextprotocol/server";
import type { Logger } from "pino";
import { ClientAbortError } from "../core/client-abort-error.js";
import { isGatewayError } from "../core/gateway-error.js";

/** A tool's success: structured content matching its outputSchema, plus a short text rendering. */
export function toolSuccess(structured: object, text: string): CallToolResult {
  return { content: [{ type: "text", text }], structuredContent: structured as Record<string, unknown> };
}

/**
 * A tool's failure as an `isError` result whose message says what to do.
 * Unexpected errors are logged, not described to the caller: they may
 * carry internals. A call its client ended is the request's own warn line
 * (GW_ERR_CLIENT_CLOSED), not an unexpected error.
 */
export function toolFailure(error: unknown, logger: Logger): CallToolResult {
  if (isGatewayError(error))
    return { content: [{ type: "text", text: `${error.code}: ${error.message}` }], isError: true };
  if (error instanceof ClientAbortError)
    return { content: [{ type: "text", text: `GW_ERR_CLIENT_CLOSED: ${error.message}` }], isError: true };
  logger.error({ err: error }, "MCP tool failed unexpectedly");
  return {
    content: [
      { type: "text", text: "GW_ERR_INTERNAL: the gateway failed unexpectedly; the error was logged." },
    ],
    isError: true,
  };
}
