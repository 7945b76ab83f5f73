import type { GatewayConfig } from "../config/gateway-config.js";
import { identifierSchema } from "../core/chat-schema.js";
import type { UsageStore } from "../core/usage-record.js";
import { getUsage, type UsageReportTotals } from "../gateway/get-usage.js";
import { createUsageRedisClient } from "../usage/create-usage-redis-client.js";
import { RedisUsageStore } from "../usage/redis-usage-store.js";
import { SqliteUsageStore } from "../usage/sqlite-usage-store.js";
import { type UsagePeriod, usagePeriods } from "../usage/usage-period.js";
import { formatTable } from "./format-table.js";
import { CliUsageError, parseFlags } from "./parse-flags.js";

/**
 * `llm-gateway usage --project P [--period day] [--agent A]`: a project's
 * usage as a table, read straight from the store the gateway books into
 * (read only: no journal replay, which stays the running gateways' job).
 */
export async function usageCommand(args: string[], config: GatewayConfig): Promise<string> {
  const { flags } = parseFlags(args, ["project", "period", "agent"]);
  const projectId = flags.project;
  if (!projectId || !identifierSchema.safeParse(projectId).success) {
    throw new CliUsageError("usage needs --project <id> (1-128 characters of [A-Za-z0-9._:-])");
  }
  const period = (flags.period ?? "day") as UsagePeriod;
  if (!usagePeriods.includes(period))
    throw new CliUsageError(`--period must be one of ${usagePeriods.join(", ")}`);
  const store = await openStoreForReading(config);
  try {
    const report = await getUsage(store, async () => {}, { projectId, period, agentId: flags.agent });
    const row = (name: string, totals: UsageReportTotals) => [
      name,
      String(totals.requests),
      String(totals.input_tokens),
      String(totals.output_tokens),
      String(totals.cached_input_tokens),
      `$${totals.cost_usd.toFixed(6)}`,
    ];
    const header = ["", "requests", "input", "output", "cached", "cost"];
    const right = new Set([1, 2, 3, 4, 5]);
    return [
      `Usage of ${report.project_id}${report.agent_id ? ` (agent ${report.agent_id})` : ""}, ${report.period}: ${report.from} to ${report.to}`,
      "",
      formatTable(header, [row("total", report)], right),
      "",
      formatTable(
        ["by agent", ...header.slice(1)],
        Object.entries(report.by_agent).map(([agent, totals]) => row(agent, totals)),
        right,
      ),
      "",
      formatTable(
        ["by model", ...header.slice(1)],
        Object.entries(report.by_model).map(([model, totals]) => row(model, totals)),
        right,
      ),
    ].join("\n");
  } finally {
    await store.close();
  }
}

async function openStoreForReading(config: GatewayConfig): Promise<UsageStore> {
  if (!config.redisUrl) return new SqliteUsageStore({ dataDir: config.dataDir });
  const store = new RedisUsageStore({
    client: createUsageRedisClient(config.redisUrl, { cluster: config.redisCluster }),
    keyPrefix: config.redisKeyPrefix,
  });
  if (!(await store.waitUntilReady(5_000))) {
    await store.close();
    throw new Error(`Redis at LLM_GATEWAY_REDIS_URL did not answer within 5 s`);
  }
  return store;
}
