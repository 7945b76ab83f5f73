import type { GatewayConfig } from "../config/gateway-config.js";
import { type AdminClient, type CommandIo, defaultGatewayUrl, gatewayClient } from "./admin-client.js";
import { formatTable } from "./format-table.js";
import { CliUsageError, parseFlags } from "./parse-flags.js";

/** GET /v1/requests's row, as far as the command prints it. */
interface RequestRow {
  id: string;
  time: string;
  project_id: string;
  agent_id: string;
  key_name: string | null;
  model_group: string | null;
  provider: string | null;
  model: string | null;
  status: string;
  error_code: string | null;
  stream: boolean;
  cache_hit: boolean;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  time_to_first_token_ms: number | null;
  latency_ms: number;
  client_request_id: string | null;
  door: string;
  attempts: Array<{
    provider: string;
    model: string;
    outcome: string;
    error: string | null;
    latency_ms: number;
  }>;
  bodies?: { request: string; answer: string | null } | null;
}

const listFlags = ["project", "agent", "model", "status", "from", "to", "limit", "cursor", "url"] as const;

const keyHelp = {
  label: "client key",
  hint: "Set LLM_GATEWAY_API_KEY to a client key for the project (a key with projects * sees every project).",
};

/**
 * `llm-gateway requests [--project P] [--status error] [--limit N] [--json]` and
 * `llm-gateway requests show ID`: the request explorer of the running gateway, over HTTP with a
 * client key (LLM_GATEWAY_API_KEY, else LLM_GATEWAY_ADMIN_KEY; none when the gateway has no keys).
 */
export async function requestsCommand(args: string[], config: GatewayConfig, io: CommandIo): Promise<string> {
  if (args[0] === "show") return showRequest(args.slice(1), config, io);
  const { flags, switches, positional } = parseFlags(args, listFlags, { switches: ["json"] });
  if (positional.length > 0) {
    throw new CliUsageError(
      `requests takes no argument "${positional[0]}" (to see one request: requests show ID)`,
    );
  }
  const query = new URLSearchParams();
  const names: Record<string, string> = { project: "project_id", agent: "agent_id" };
  for (const flag of listFlags) {
    const value = flags[flag];
    if (value !== undefined && flag !== "url") query.set(names[flag] ?? flag, value);
  }
  const client = clientFrom(flags, config, io);
  const answer = await client.request<{ data: RequestRow[]; next_cursor: string | null }>(
    "GET",
    `/v1/requests${query.size > 0 ? `?${query}` : ""}`,
  );
  if (switches.has("json")) return JSON.stringify(answer, null, 2);
  if (answer.data.length === 0) return "No requests kept that match.";
  const table = formatTable(
    [
      "time",
      "id",
      "project",
      "agent",
      "key",
      "model",
      "status",
      "tokens in/out",
      "cost",
      "latency",
      "attempts",
    ],
    answer.data.map((row) => [
      row.time.replace("T", " ").replace(/\.\d+Z$/, "Z"),
      row.id,
      row.project_id,
      row.agent_id,
      row.key_name ?? "–",
      answeredBy(row),
      row.error_code ? `${row.status} ${row.error_code}` : row.status,
      `${row.input_tokens}/${row.output_tokens}`,
      `$${row.cost_usd.toFixed(6)}`,
      `${row.latency_ms} ms`,
      String(row.attempts.length),
    ]),
    new Set([7, 8, 9, 10]),
  );
  return answer.next_cursor ? `${table}\n\nMore: --cursor ${answer.next_cursor}` : table;
}

async function showRequest(args: string[], config: GatewayConfig, io: CommandIo): Promise<string> {
  const { flags, switches, positional } = parseFlags(args, ["url"], { switches: ["json"] });
  const [id, extra] = positional;
  if (!id || extra !== undefined) throw new CliUsageError("requests show needs one request id");
  const row = await clientFrom(flags, config, io).request<RequestRow>(
    "GET",
    `/v1/requests/${encodeURIComponent(id)}`,
  );
  if (switches.has("json")) return JSON.stringify(row, null, 2);
  const lines = [
    `Request ${row.id} at ${row.time}`,
    `  door ${row.door}, project ${row.project_id}, agent ${row.agent_id}, key ${row.key_name ?? "–"}` +
      (row.client_request_id ? `, client request id ${row.client_request_id}` : ""),
    `  ${row.status}${row.error_code ? ` (${row.error_code})` : ""}: ${answeredBy(row)}` +
      `${row.model_group ? ` for group ${row.model_group}` : ""}${row.stream ? ", streamed" : ""}${row.cache_hit ? ", cache hit" : ""}`,
    `  tokens ${row.input_tokens} in, ${row.output_tokens} out; $${row.cost_usd.toFixed(6)}; ` +
      `latency ${row.latency_ms} ms${row.time_to_first_token_ms !== null ? `, first token ${row.time_to_first_token_ms} ms` : ""}`,
    "",
    formatTable(
      ["#", "provider", "model", "outcome", "latency", "error"],
      row.attempts.map((attempt, index) => [
        String(index + 1),
        attempt.provider,
        attempt.model,
        attempt.outcome.replaceAll("_", " "),
        `${Math.round(attempt.latency_ms)} ms`,
        attempt.error ?? "",
      ]),
      new Set([0, 4]),
    ),
  ];
  if (row.bodies) {
    lines.push("", "Request:", row.bodies.request, "", "Answer:", row.bodies.answer ?? "(none)");
  }
  return lines.join("\n");
}

function answeredBy(row: RequestRow): string {
  return row.provider && row.model ? `${row.provider}/${row.model}` : (row.model_group ?? "–");
}

function clientFrom(flags: Record<string, string>, config: GatewayConfig, io: CommandIo): AdminClient {
  const url = (flags.url ?? defaultGatewayUrl(config)).replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]/.test(url)) throw new CliUsageError(`--url must be an http(s) URL, got "${url}"`);
  return gatewayClient(url, io.env.LLM_GATEWAY_API_KEY ?? io.env.LLM_GATEWAY_ADMIN_KEY, keyHelp);
}
