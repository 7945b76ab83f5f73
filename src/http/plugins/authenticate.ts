import type { IncomingMessage } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { RequestTraceScope } from "../../core/trace-scope.js";
import type { ClientKeys } from "../../gateway/client-keys.js";
import type { McpRequestAuth } from "../../mcp/mcp-request-auth.js";
import type { McpCallIds } from "../../mcp/tool-schemas.js";
import { anthropicErrorBody } from "../anthropic/anthropic-error.js";
import { openAiErrorBody } from "../openai/openai-error.js";

/**
 * Paths anyone may read: liveness, the static tool list, metrics, the
 * dashboard's page (its data needs a key), and `/`, which serves nothing but
 * Claude Code's `HEAD /` preconnect.
 */
const publicPaths = [/^\/health$/, /^\/metrics$/, /^\/mcp\/tools$/, /^\/dashboard(\/|$)/, /^\/$/];

/**
 * With client keys configured, every other request needs one: `Authorization:
 * Bearer <key>` (what the OpenAI SDK and MCP clients send) or `x-api-key`
 * (what the Anthropic SDK and Claude Code send).
 * The key's holder becomes `request.principal`; for MCP it also travels as
 * the SDK's `authInfo`, so tools can check it.
 */
export function registerAuthentication(app: FastifyInstance, keys: ClientKeys): void {
  if (!keys.enabled) return;
  // A callback hook, not an async one: it runs for every request, and a refusal answers without `done`.
  app.addHook("onRequest", (request, reply, done) => {
    const path = request.url.split("?")[0] ?? "";
    if (publicPaths.some((pattern) => pattern.test(path))) return done();
    const presented = presentedKey(request);
    if (presented === undefined) return void refuse(request, reply, "missing");
    const authentication = keys.authenticate(presented);
    if (!authentication.ok) return void refuse(request, reply, authentication.reason);
    const { principal } = authentication;
    request.principal = principal;
    (request.raw as AuthInfoCarrier).auth = {
      token: "[client key]",
      clientId: principal.keyName,
      scopes: [],
      extra: { principal },
    };
    done();
  });
}

interface AuthInfoCarrier {
  auth?: { token: string; clientId: string; scopes: string[]; extra?: McpRequestAuth };
}

/**
 * Hands an MCP call its cancellation signal and ids the way the SDK hands tools the
 * principal: in the request's `authInfo.extra`, which tools read back with `mcpRequestAuth`.
 */
export function withCallSignal(request: IncomingMessage, signal: AbortSignal, callIds?: McpCallIds): void {
  handToMcpTools(request, { callSignal: signal, callIds });
}

/** Hands the MCP request's trace to its tools (every call of a batch too), as `withCallSignal` does. */
export function withRequestTrace(request: IncomingMessage, trace: RequestTraceScope): void {
  handToMcpTools(request, { trace });
}

function handToMcpTools(request: IncomingMessage, extra: McpRequestAuth): void {
  const carrier = request as AuthInfoCarrier;
  carrier.auth = {
    ...(carrier.auth ?? { token: "", clientId: "", scopes: [] }),
    extra: { ...carrier.auth?.extra, ...extra },
  };
}

function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === "string" && /^bearer\s+/i.test(authorization)) {
    return authorization.replace(/^bearer\s+/i, "").trim();
  }
  const apiKey = request.headers["x-api-key"];
  return typeof apiKey === "string" && apiKey.length > 0 ? apiKey : undefined;
}

const refusals: Record<"missing" | "unknown" | "revoked" | "expired", string> = {
  missing: "A client key is required: send it as 'Authorization: Bearer <key>'.",
  unknown: "The client key is not valid.",
  revoked: "The client key has been revoked.",
  expired: "The client key has expired.",
};

function refuse(request: FastifyRequest, reply: FastifyReply, reason: keyof typeof refusals) {
  const message = refusals[reason];
  request.errorCode = "GW_ERR_UNAUTHORIZED";
  reply.code(401).header("www-authenticate", 'Bearer realm="llm-gateway"');
  if (request.url.startsWith("/mcp")) {
    return reply.send({ jsonrpc: "2.0", error: { code: -32001, message }, id: null });
  }
  if (speaksAnthropic(request)) return reply.send(anthropicErrorBody(401, message));
  return reply.send(openAiErrorBody("GW_ERR_UNAUTHORIZED", message));
}

/** Anthropic clients get Anthropic's envelope, so their SDK raises its AuthenticationError. */
function speaksAnthropic(request: FastifyRequest): boolean {
  return request.url.startsWith("/v1/messages") || request.headers["anthropic-version"] !== undefined;
}
