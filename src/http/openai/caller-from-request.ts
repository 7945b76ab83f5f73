import { randomUUID } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { identifierSchema } from "../../core/chat-schema.js";
import { GatewayError } from "../../core/gateway-error.js";
import type { Door } from "../../core/usage-record.js";
import type { Caller } from "../../gateway/caller.js";
import { defaultProjectOf } from "../../gateway/principal.js";

/**
 * Project and agent for an HTTP-door request: `x-project-id` / `x-agent-id`
 * headers, else the client key's only project and agent "default".
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
  const agentId = header(request, "x-agent-id") ?? "default";
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
  // A fresh id, not the x-request-id header: a client reusing its header must not dedupe two real bookings.
  return { projectId, agentId, door, requestId: randomUUID(), principal: request.principal };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}
