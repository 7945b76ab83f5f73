import { z } from "zod";
import { identifierSchema } from "../core/chat-schema.js";
import { type Caller, createCaller } from "../gateway/caller.js";
import { assertMayCall, type Principal } from "../gateway/principal.js";
import type { McpRequestAuth } from "./mcp-request-auth.js";

/**
 * Every tool identifies its caller (DESIGN.md): project and agent. Undescribed: the names say it,
 * chat_completion's description and the server's instructions say what is booked to them, and
 * a description here would be listed once per tool.
 */
export const callerShape = {
  project_id: identifierSchema,
  agent_id: identifierSchema,
};

export const attemptSchema = z.object({
  provider: z.string(),
  model: z.string(),
  outcome: z.enum(["success", "failed", "skipped_circuit_open", "skipped_unsupported", "rejected"]),
  error: z.string().optional(),
  latency_ms: z.number(),
});

export const usageTotalsSchema = z.object({
  requests: z.number(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  cached_input_tokens: z.number(),
  cache_write_tokens: z.number(),
  cost_usd: z.number(),
});

/** Tools that call a provider and spend: neither read-only nor idempotent, and they reach outside. */
export const spendingToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: true,
} as const;

/**
 * The ids of the one HTTP request that carries a single tools/call: the gateway's id (its
 * `x-request-id`) and the client's own. Absent over stdio and for a batch's calls.
 */
export interface McpCallIds {
  requestId: string;
  clientRequestId?: string;
}

/**
 * The caller of one MCP tool call, checked against the client key, from what the door handed
 * over: with the id of the HTTP request carrying it when it is that request's only call (else a
 * fresh request id per call), and the request's trace when tracing is on.
 */
export function mcpCaller(
  args: { project_id: string; agent_id: string },
  { principal, callIds, trace }: Pick<McpRequestAuth, "principal" | "callIds" | "trace">,
): Caller {
  return createCaller({
    projectId: args.project_id,
    agentId: args.agent_id,
    door: "mcp",
    principal,
    ...callIds,
    trace,
  });
}

/** For tools that book nothing: the key must still be allowed to act for the project and as the agent. */
export function assertMcpCallerAllowed(
  args: { project_id: string; agent_id: string },
  principal: Principal | undefined,
): void {
  assertMayCall(principal, args.project_id, args.agent_id);
}

/** The SDK's signal for one tool call, joined with the door's cancellation of it (HTTP), when there is one. */
export function callAbortSignal(
  requestSignal: AbortSignal,
  callSignal: AbortSignal | undefined,
): AbortSignal {
  return callSignal ? AbortSignal.any([requestSignal, callSignal]) : requestSignal;
}
