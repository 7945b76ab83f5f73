import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { identifierSchema } from "../../core/chat-schema.js";
import type { Gateway } from "../../gateway/gateway.js";
import { usagePeriods } from "../../usage/usage-period.js";
import { parseBody } from "../openai/parse-body.js";

const usageQuerySchema = z.object({
  project_id: identifierSchema,
  period: z.enum(usagePeriods).default("day"),
  agent_id: identifierSchema.optional(),
});

/** GET /v1/usage?project_id=...&period=...: get_usage's data for dashboards. */
export function registerUsageRoute(app: FastifyInstance, gateway: Gateway): void {
  app.get("/v1/usage", async (request) => {
    const query = parseBody(usageQuerySchema, request.query);
    return gateway.getUsage(
      { projectId: query.project_id, period: query.period, agentId: query.agent_id },
      request.principal,
    );
  });
}
