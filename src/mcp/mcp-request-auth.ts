import type { ServerContext } from "@modelcontextprotocol/server";
import type { RequestTraceScope } from "../core/trace-scope.js";
import type { Principal } from "../gateway/principal.js";
import type { McpCallIds } from "./tool-schemas.js";

/**
 * What the HTTP door hands one MCP request in the SDK's `authInfo.extra`, which the SDK passes
 * through to the request's handler as `ctx.http.authInfo`: the client key's holder (with keys),
 * and for a POST carrying a single tools/call, the signal that cancels that call and the POST's
 * ids. Server instances are shared by requests, so a tool reads these from its request, never
 * from the instance. All absent over stdio.
 */
export interface McpRequestAuth {
  principal?: Principal;
  callSignal?: AbortSignal;
  callIds?: McpCallIds;
  /** The HTTP request's trace, when tracing is on: the calls' provider attempts become its spans. */
  trace?: RequestTraceScope;
}

/** The door's hand-over to the request `ctx` belongs to (empty over stdio). */
export function mcpRequestAuth(ctx: ServerContext): McpRequestAuth {
  return (ctx.http?.authInfo?.extra ?? {}) as McpRequestAuth;
}
