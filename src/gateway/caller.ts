import { timeOrderedUuid } from "../core/time-ordered-id.js";
import type { RequestTraceScope } from "../core/trace-scope.js";
import type { Door } from "../core/usage-record.js";
import { assertMayCall, type Principal } from "./principal.js";

/** Who is calling, as both doors establish it. */
export interface Caller {
  projectId: string;
  agentId: string;
  door: Door;
  /** Unique per request, minted by the gateway: the usage record's id and the log correlation id. */
  requestId: string;
  /** The client's own request id (HTTP `x-request-id`), logged beside `requestId`, never used to book. */
  clientRequestId?: string;
  /** The client key's holder; undefined without client keys. */
  principal?: Principal;
  /** The request's trace, when tracing is on: its provider attempts become spans under it. */
  trace?: RequestTraceScope;
}

/**
 * The caller of one request, as every door builds it: the key must be allowed to act for the
 * project and as the agent (GW_ERR_FORBIDDEN_PROJECT / GW_ERR_FORBIDDEN_AGENT, 403), and the
 * request gets the gateway's id of the HTTP request (fresh per request), or a fresh one (MCP
 * tool calls, several of which may share one HTTP request) — never a client-sent one: a reused
 * id must not dedupe two real bookings.
 */
export function createCaller(identity: {
  projectId: string;
  agentId: string;
  door: Door;
  principal: Principal | undefined;
  /** The gateway-minted id of the HTTP request this caller's one call answers. */
  requestId?: string;
  clientRequestId?: string;
  trace?: RequestTraceScope;
}): Caller {
  assertMayCall(identity.principal, identity.projectId, identity.agentId);
  return {
    projectId: identity.projectId,
    agentId: identity.agentId,
    door: identity.door,
    requestId: identity.requestId ?? timeOrderedUuid(),
    ...(identity.clientRequestId !== undefined ? { clientRequestId: identity.clientRequestId } : {}),
    principal: identity.principal,
    ...(identity.trace !== undefined ? { trace: identity.trace } : {}),
  };
}
