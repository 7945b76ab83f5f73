import type { GatewayConfig } from "../config/gateway-config.js";
import type { KeyView, KeyWithSecret } from "./admin-api-types.js";
import { adminClientFrom, type CommandIo } from "./admin-client.js";
import {
  formatBudget,
  formatDollars,
  formatLimits,
  formatProjects,
  formatTime,
  keyStatus,
} from "./format-governance.js";
import { formatTable } from "./format-table.js";
import { expiresInToIso, parseList, parseMetadata, parsePerMinute, parseUsd } from "./governance-flags.js";
import { CliUsageError, parseFlags } from "./parse-flags.js";

const connectionFlags = ["url", "admin-key"] as const;
const createFlags = [
  "name",
  "projects",
  "agents",
  "models",
  "daily-usd",
  "monthly-usd",
  "rpm",
  "tpm",
  "expires-in",
  "expires-at",
  "metadata",
  ...connectionFlags,
];

/**
 * `llm-gateway keys create|list|revoke|rotate`: client keys managed at runtime through the running
 * gateway's admin API (so every replica sees the change), not through its store directly.
 */
export async function keysCommand(args: string[], config: GatewayConfig, io: CommandIo): Promise<string> {
  const [action, ...rest] = args;
  switch (action) {
    case "create":
      return createKey(rest, config, io);
    case "list":
      return listKeys(rest, config, io);
    case "revoke":
    case "rotate":
      return changeKey(action, rest, config, io);
    default:
      throw new CliUsageError(
        action === undefined
          ? "keys needs an action: create, list, revoke or rotate"
          : `unknown keys action "${action}" (create, list, revoke or rotate)`,
      );
  }
}

async function createKey(args: string[], config: GatewayConfig, io: CommandIo): Promise<string> {
  const { flags, lists, switches, positional } = parseFlags(args, createFlags, {
    switches: ["json"],
    repeatable: ["metadata"],
  });
  if (positional.length > 0) throw new CliUsageError(`keys create takes no argument "${positional[0]}"`);
  if (!flags.name) throw new CliUsageError("keys create needs --name <name>");
  if (!flags.projects) throw new CliUsageError("keys create needs --projects a,b (or '*' for every project)");
  if (flags["expires-in"] !== undefined && flags["expires-at"] !== undefined) {
    throw new CliUsageError("give --expires-in or --expires-at, not both");
  }
  const body: Record<string, unknown> = {
    name: flags.name,
    projects: flags.projects.trim() === "*" ? "*" : parseList("projects", flags.projects),
  };
  if (flags.agents !== undefined) body.agents = parseList("agents", flags.agents);
  if (flags.models !== undefined) body.models = parseList("models", flags.models);
  const budget: Record<string, number | null> = {};
  if (flags["daily-usd"] !== undefined) budget.daily_usd = parseUsd("daily-usd", flags["daily-usd"]);
  if (flags["monthly-usd"] !== undefined) budget.monthly_usd = parseUsd("monthly-usd", flags["monthly-usd"]);
  if (Object.keys(budget).length > 0) body.budget = budget;
  const limits: Record<string, number | null> = {};
  if (flags.rpm !== undefined) limits.requests_per_minute = parsePerMinute("rpm", flags.rpm);
  if (flags.tpm !== undefined) limits.tokens_per_minute = parsePerMinute("tpm", flags.tpm);
  if (Object.keys(limits).length > 0) body.limits = limits;
  if (flags["expires-in"] !== undefined) body.expires_at = expiresInToIso(flags["expires-in"], io.now());
  if (flags["expires-at"] !== undefined) body.expires_at = normalizeTime(flags["expires-at"]);
  if (lists.metadata) body.metadata = parseMetadata(lists.metadata);

  const client = adminClientFrom(flags, config, io);
  const created = await client.request<KeyWithSecret>("POST", "/admin/keys", body);
  if (switches.has("json")) return JSON.stringify(created, null, 2);
  return [
    `Created key ${created.key.id} "${created.key.name}" for projects ${formatProjects(created.key.projects)}.`,
    describeKey(created.key),
    "",
    `Secret: ${created.secret}`,
    "",
    "Copy the secret now: it will not be shown again (the gateway keeps only its digest).",
  ].join("\n");
}

async function listKeys(args: string[], config: GatewayConfig, io: CommandIo): Promise<string> {
  const { flags, switches, positional } = parseFlags(args, [...connectionFlags], {
    switches: ["all", "json"],
  });
  if (positional.length > 0) throw new CliUsageError(`keys list takes no argument "${positional[0]}"`);
  const client = adminClientFrom(flags, config, io);
  const answer = await client.request<{ data: KeyView[] }>(
    "GET",
    `/admin/keys${switches.has("all") ? "?include_revoked=true" : ""}`,
  );
  if (switches.has("json")) return JSON.stringify(answer, null, 2);
  if (answer.data.length === 0) {
    return `No client keys${switches.has("all") ? "" : " (revoked ones: --all)"}. Create one with: llm-gateway keys create --name N --projects P`;
  }
  const now = io.now();
  return formatTable(
    ["id", "name", "projects", "budget", "today", "month", "expires", "status"],
    answer.data.map((key) => [
      key.id,
      key.name,
      formatProjects(key.projects),
      formatBudget(key.budget),
      // Spend is kept per managed key; a config file's key books to its projects only.
      formatDollars(key.source === "admin" ? (key.spend?.today_usd ?? null) : null),
      formatDollars(key.source === "admin" ? (key.spend?.month_usd ?? null) : null),
      formatTime(key.expires_at),
      keyStatus(key, now),
    ]),
    new Set([4, 5]),
  );
}

async function changeKey(
  action: "revoke" | "rotate",
  args: string[],
  config: GatewayConfig,
  io: CommandIo,
): Promise<string> {
  const { flags, switches, positional } = parseFlags(args, [...connectionFlags], { switches: ["json"] });
  const [id, extra] = positional;
  if (!id || extra !== undefined) throw new CliUsageError(`keys ${action} needs one key id (key_...)`);
  const client = adminClientFrom(flags, config, io);
  const path = `/admin/keys/${encodeURIComponent(id)}/${action}`;
  if (action === "revoke") {
    const key = await client.request<KeyView>("POST", path);
    if (switches.has("json")) return JSON.stringify(key, null, 2);
    return `Revoked key ${key.id} "${key.name}" at ${formatTime(key.revoked_at)}: every replica refuses it within a second.`;
  }
  const rotated = await client.request<KeyWithSecret>("POST", path);
  if (switches.has("json")) return JSON.stringify(rotated, null, 2);
  return [
    `Rotated key ${rotated.key.id} "${rotated.key.name}": the old secret is refused from now on.`,
    "",
    `Secret: ${rotated.secret}`,
    "",
    "Copy the secret now: it will not be shown again (the gateway keeps only its digest).",
  ].join("\n");
}

function describeKey(key: KeyView): string {
  const lines = [
    ["agents", key.agents?.join(",") ?? "any"],
    ["models", key.models?.join(",") ?? "any"],
    ["budget", formatBudget(key.budget)],
    ["limits", formatLimits(key.limits)],
    ["expires", formatTime(key.expires_at)],
  ];
  return lines.map(([name, value]) => `  ${`${name}:`.padEnd(9)}${value}`).join("\n");
}

/** An ISO time or date as the API takes it; a date alone means its midnight UTC. */
function normalizeTime(value: string): string {
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) {
    throw new CliUsageError(
      `--expires-at must be an ISO-8601 time such as 2027-01-31T18:00:00Z, got "${value}"`,
    );
  }
  return time.toISOString();
}
