import type { GatewayConfig } from "../config/gateway-config.js";
import { identifierSchema } from "../core/chat-schema.js";
import type { BudgetEntry } from "./admin-api-types.js";
import { adminClientFrom, type CommandIo } from "./admin-client.js";
import { formatDollars, formatLimits, formatTime } from "./format-governance.js";
import { formatTable } from "./format-table.js";
import { parsePerMinute, parseUsd } from "./governance-flags.js";
import { CliUsageError, parseFlags } from "./parse-flags.js";

const connectionFlags = ["url", "admin-key"] as const;

/**
 * `llm-gateway budgets set|show`: project and agent budgets and limits changed at runtime through
 * the running gateway's admin API (a stored value overrides the config file's), and where each
 * budget stands.
 */
export async function budgetsCommand(args: string[], config: GatewayConfig, io: CommandIo): Promise<string> {
  const [action, ...rest] = args;
  if (action === "set") return setBudget(rest, config, io);
  if (action === "show") return showBudgets(rest, config, io);
  throw new CliUsageError(
    action === undefined
      ? "budgets needs an action: set or show"
      : `unknown budgets action "${action}" (set or show)`,
  );
}

async function setBudget(args: string[], config: GatewayConfig, io: CommandIo): Promise<string> {
  const { flags, switches, positional } = parseFlags(
    args,
    ["project", "agent", "daily-usd", "monthly-usd", "rpm", "tpm", ...connectionFlags],
    { switches: ["json"] },
  );
  if (positional.length > 0) throw new CliUsageError(`budgets set takes no argument "${positional[0]}"`);
  const project = identifier("project", flags.project);
  if (project === undefined) throw new CliUsageError("budgets set needs --project <id>");
  const agent = identifier("agent", flags.agent);
  // A field left out stays as it is; `none` (null) clears what was set here, so the config's applies.
  const body: Record<string, number | null> = {};
  if (flags["daily-usd"] !== undefined) body.daily_usd = parseUsd("daily-usd", flags["daily-usd"], true);
  if (flags["monthly-usd"] !== undefined) {
    body.monthly_usd = parseUsd("monthly-usd", flags["monthly-usd"], true);
  }
  if (flags.rpm !== undefined) body.requests_per_minute = parsePerMinute("rpm", flags.rpm, true);
  if (flags.tpm !== undefined) body.tokens_per_minute = parsePerMinute("tpm", flags.tpm, true);
  if (Object.keys(body).length === 0) {
    throw new CliUsageError("budgets set needs at least one of --daily-usd, --monthly-usd, --rpm, --tpm");
  }
  const client = adminClientFrom(flags, config, io);
  const path =
    `/admin/budgets/projects/${encodeURIComponent(project)}` +
    (agent === undefined ? "" : `/agents/${encodeURIComponent(agent)}`);
  const entry = await client.request<BudgetEntry>("PUT", path, body);
  if (switches.has("json")) return JSON.stringify(entry, null, 2);
  return [
    `Set ${agent === undefined ? `project ${project}` : `agent ${agent} of project ${project}`}: every replica applies it within a second.`,
    "",
    budgetsTable([entry], io.now()),
  ].join("\n");
}

async function showBudgets(args: string[], config: GatewayConfig, io: CommandIo): Promise<string> {
  const { flags, switches, positional } = parseFlags(args, ["project", ...connectionFlags], {
    switches: ["json"],
  });
  if (positional.length > 0) throw new CliUsageError(`budgets show takes no argument "${positional[0]}"`);
  const project = identifier("project", flags.project);
  const client = adminClientFrom(flags, config, io);
  const answer = await client.request<{ data: BudgetEntry[] }>(
    "GET",
    `/admin/budgets${project === undefined ? "" : `?project=${encodeURIComponent(project)}`}`,
  );
  if (switches.has("json")) return JSON.stringify(answer, null, 2);
  if (answer.data.length === 0) {
    return `No budgets or rate limits${project === undefined ? "" : ` for project ${project}`}. Set one with: llm-gateway budgets set --project P --daily-usd 5`;
  }
  return budgetsTable(answer.data, io.now());
}

/** One row per budget period of each entry (one row for an entry with limits only). */
function budgetsTable(entries: BudgetEntry[], nowMs: number): string {
  const rows = entries.flatMap((entry) => {
    const who = [
      entry.scope,
      entry.project_id ?? "-",
      entry.scope === "key" ? (entry.key_id ?? "-") : (entry.agent_id ?? "-"),
    ];
    const tail = [formatLimits(entry.limits, entry.rate_standing), entry.source];
    if (entry.standing.length === 0) return [[...who, "-", "-", "-", "-", "-", "-", ...tail]];
    return entry.standing.map((standing, index) => [
      ...(index === 0 ? who : ["", "", ""]),
      standing.period,
      formatDollars(standing.spent_usd),
      formatDollars(standing.held_usd),
      formatDollars(standing.limit_usd),
      standing.limit_usd > 0 ? `${((standing.spent_usd / standing.limit_usd) * 100).toFixed(1)}%` : "-",
      `${formatTime(standing.resets_at)}${resetsIn(standing.resets_at, nowMs)}`,
      ...(index === 0 ? tail : ["", ""]),
    ]);
  });
  return formatTable(
    [
      "scope",
      "project",
      "agent/key",
      "period",
      "spent",
      "held",
      "limit",
      "used",
      "resets at",
      "limits",
      "source",
    ],
    rows,
    new Set([4, 5, 6, 7]),
  );
}

/** ` (in 5h 12m)`: how long until a budget period starts afresh. */
function resetsIn(iso: string, nowMs: number): string {
  const minutes = Math.max(0, Math.round((Date.parse(iso) - nowMs) / 60_000));
  if (!Number.isFinite(minutes)) return "";
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return ` (in ${days}d ${hours}h)`;
  return ` (in ${hours}h ${minutes % 60}m)`;
}

function identifier(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!identifierSchema.safeParse(value).success) {
    throw new CliUsageError(`--${flag} must be 1-128 characters of [A-Za-z0-9._:-], got "${value}"`);
  }
  return value;
}
