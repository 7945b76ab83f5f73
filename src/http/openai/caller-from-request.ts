import type { FastifyRequest } from "fastify";
import { identifierSchema } from "../../core/chat-schema.js";
import { GatewayError } from "../../core/gateway-error.js";
import type { Door } from "../../core/usage-record.js";
import { type Caller, createCaller } from "../../gateway/caller.js";
import { defaultAgentOf, defaultProjectOf } from "../../gateway/principal.js";

/**
 * Project and agent for an HTTP-door request: `x-project-id` / `x-agent-id`
 * headers, else the client key's only project and agent "default" (or the
 * key's only pinned agent id).
 */
export function callerFromRequest(request: FastifyRequest, door: Door = "openai"): Caller {
  const projectHeader = header(request, "x-project-id");
  const projectId = projectHeader ?? defaultProjectOf(request.principal);
  if (projectId === undefined) {
    throw new GatewayError(
      "GW_ERR_INVALID_REQUEST",
      "This client key may act for several projects: name one in the x-project-id header.",
      { param: "x-project-id" },
    );
  }
  const agentId = header(request, "x-agent-id") ?? defaultAgentOf(request.principal);
  if (agentId === undefined) {
    throw new GatewayError(
      "GW_ERR_INVALID_REQUEST",
      "This client key is pinned to several agent ids: name one in the x-agent-id header.",
      { param: "x-agent-id" },
    );
  }
  for (const [name, value] of [
    ["x-project-id", projectId],
    ["x-agent-id", agentId],
  ] as const) {
    if (!identifierSchema.safeParse(value).success) {
      throw new GatewayError(
        "GW_ERR_INVALID_REQUEST",
        `The ${name} header must be 1-128 characters of [A-Za-z0-9._:-].`,
        {
          param: name,
        },
      );
    }
  }
  return createCaller({
    projectId,
    agentId,
    door,
    principal: request.principal,
    requestId: request.id,
    clientRequestId: request.clientRequestId,
    trace: request.requestTrace,
  });
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}
