import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { identifierSchema } from "../../core/chat-schema.js";
import type { BudgetStandingView, UsageBudgets } from "../../gateway/budget-standing.js";
import type { Gateway } from "../../gateway/gateway.js";
import { mcpRequestAuth } from "../mcp-request-auth.js";
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
    // Loose on purpose: the full shape (README, /v1/usage) would cost every client ~400 tokens of tool list.
    budgets: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("budget standing now: project, agent, key (limit_usd, spent_usd, held_usd, resets_at)"),
  }),
);

export function registerGetUsageTool(server: McpServer, gateway: Gateway): void {
  server.registerTool(
    "get_usage",
    {
      title: "Get usage",
      description:
        "Tokens, requests and cost (USD) booked to a project over a UTC calendar period (hour, day, week, month, all), with totals by agent and by model, and where its budgets stand now.",
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false, idempotentHint: true },
    },
    async (args, ctx) => {
      try {
        const { principal } = mcpRequestAuth(ctx);
        assertMcpCallerAllowed(args, principal);
        const report = await gateway.getUsage(
          { projectId: args.project_id, period: args.period, agentId: args.filter_agent_id },
          principal,
        );
        return toolSuccess(
          report,
          `${report.project_id}, ${report.period} (${report.from} to ${report.to}): ${report.requests} requests, ${report.input_tokens} input and ${report.output_tokens} output tokens, $${report.cost_usd}${describeBudgets(report.budgets)}`,
        );
      } catch (error) {
        return toolFailure(error, gateway.logger);
      }
    },
  );
}

/** "; budget: day $1.2 of $10 (resets ...)" for each period set, or nothing. */
function describeBudgets(budgets: UsageBudgets | undefined): string {
  if (!budgets) return "";
  const parts = [
    ...budgets.project.map((standing) => `project ${describeStanding(standing)}`),
    ...(budgets.agent?.standing ?? []).map((standing) => `agent ${describeStanding(standing)}`),
    ...(budgets.key?.standing ?? []).map((standing) => `key ${describeStanding(standing)}`),
  ];
  return parts.length === 0 ? "" : `; budgets: ${parts.join("; ")}`;
}

function describeStanding(standing: BudgetStandingView): string {
  const held = standing.held_usd > 0 ? ` (+$${standing.held_usd} held)` : "";
  return `${standing.period} $${standing.spent_usd}${held} of $${standing.limit_usd}, resets ${standing.resets_at}`;
}
