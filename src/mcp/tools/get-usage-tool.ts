import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { identifierSchema } from "../../core/chat-schema.js";
import type { Gateway } from "../../gateway/gateway.js";
import type { Principal } from "../../gateway/principal.js";
import { memoizeJsonSchema } from "../memoize-json-schema.js";
import { toolFailure, toolSuccess } from "../tool-result.js";
import { assertMcpCallerAllowed, callerShape, usageTotalsSchema } from "../tool-schemas.js";

const inputSchema = memoizeJsonSchema(
  z.object({
    ...callerShape,
    period: z
      .enum(["hour", "day", "week", "month", "all"])
      .default("day")
      .describe("UTC calendar bucket (default day)."),
    filter_agent_id: identifierSchema.optional().describe("Only this agent's usage."),
  }),
);

const outputSchema = memoizeJsonSchema(
  usageTotalsSchema.extend({
    // Listed once, at the top: every breakdown carries them too, and the tool list is measured in tokens.
    cache_hits: z.number(),
    saved_usd: z.number(),
    project_id: z.string(),
    period: z.string(),
    from: z.string().describe("inclusive start, ISO 8601 UTC"),
    to: z.string().describe("exclusive end, ISO 8601 UTC"),
    agent_id: z.string().optional().describe("present when filtered to one agent"),
    by_agent: z.record(z.string(), usageTotalsSchema),
    by_model: z.record(z.string(), usageTotalsSchema),
    by_hour: z
      .array(usageTotalsSchema.extend({ hour: z.string() }))
      .describe("totals per UTC hour with usage"),
  }),
);

export function registerGetUsageTool(
  server: McpServer,
  gateway: Gateway,
  principal: Principal | undefined,
): void {
  server.registerTool(
    "get_usage",
    {
      title: "Get usage",
      description:
        "Tokens, requests and cost (USD) booked to a project over a UTC calendar period (hour, day, week, month, all), with totals by agent and by model.",
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false, idempotentHint: true },
    },
    async (args) => {
      try {
        assertMcpCallerAllowed(args, principal);
        const report = await gateway.getUsage(
          { projectId: args.project_id, period: args.period, agentId: args.filter_agent_id },
          principal,
        );
        return toolSuccess(
          report,
          `${report.project_id}, ${report.period} (${report.from} to ${report.to}): ${report.requests} requests, ${report.input_tokens} input and ${report.output_tokens} output tokens, $${report.cost_usd}`,
        );
      } catch (error) {
        return toolFailure(error, gateway.logger);
      }
    },
  );
}
