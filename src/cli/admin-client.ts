import type { GatewayConfig } from "../config/gateway-config.js";
import { CliUsageError } from "./parse-flags.js";

/** How long one admin call may take: they are small reads and writes. */
const requestTimeoutMs = 30_000;

/** Admin API field names (as the gateway names them in an error's `param`) to the CLI flag that sets them. */
const flagOfParam: Record<string, string> = {
  name: "--name",
  projects: "--projects",
  agents: "--agents",
  models: "--models",
  "budget.daily_usd": "--daily-usd",
  "budget.monthly_usd": "--monthly-usd",
  daily_usd: "--daily-usd",
  monthly_usd: "--monthly-usd",
  "limits.requests_per_minute": "--rpm",
  "limits.tokens_per_minute": "--tpm",
  requests_per_minute: "--rpm",
  tokens_per_minute: "--tpm",
  expires_at: "--expires-at/--expires-in",
  metadata: "--metadata",
  project: "--project",
  agent: "--agent",
  // GET /v1/requests (the requests command)
  project_id: "--project",
  agent_id: "--agent",
  model: "--model",
  status: "--status",
  from: "--from",
  to: "--to",
  limit: "--limit",
  cursor: "--cursor",
};

/** The admin API refused a call or could not be reached: printed as it is, exit code 1. */
export class AdminApiError extends Error {
  override readonly name = "AdminApiError";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** What an admin command needs from its process, passed in so tests and main choose. */
export interface CommandIo {
  env: NodeJS.ProcessEnv;
  /** A line for stderr: warnings that must not mix into --json output. */
  warn(line: string): void;
  now(): number;
}

export interface AdminClient {
  /** The gateway's base URL, as the commands print it. */
  readonly url: string;
  request<T>(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T>;
}

/**
 * The admin API client of the `keys` and `budgets` commands: `--url` (default the address this
 * machine's gateway binds, from LLM_GATEWAY_HOST and LLM_GATEWAY_PORT) and the admin key from
 * LLM_GATEWAY_ADMIN_KEY, or `--admin-key` (which every user of the machine can read in `ps`).
 */
export function adminClientFrom(
  flags: Record<string, string>,
  config: GatewayConfig,
  { env, warn }: Pick<CommandIo, "env" | "warn">,
): AdminClient {
  const url = (flags.url ?? defaultGatewayUrl(config)).replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]/.test(url)) throw new CliUsageError(`--url must be an http(s) URL, got "${url}"`);
  if (flags["admin-key"] !== undefined) {
    warn(
      "warning: --admin-key is visible to every user of this machine in the process list; prefer LLM_GATEWAY_ADMIN_KEY.",
    );
  }
  const adminKey = flags["admin-key"] ?? env.LLM_GATEWAY_ADMIN_KEY;
  if (!adminKey) {
    throw new AdminApiError(
      'no admin key: set LLM_GATEWAY_ADMIN_KEY to a client key with projects "*" (from LLM_GATEWAY_API_KEYS or client_keys).',
    );
  }
  return gatewayClient(url, adminKey, adminKeyHelp);
}

const adminKeyHelp: KeyHelp = {
  label: "admin key",
  hint: 'Set LLM_GATEWAY_ADMIN_KEY to a client key with projects "*".',
};

/** How a 401 names the key and says where it comes from. */
export interface KeyHelp {
  label: string;
  hint: string;
}

/**
 * A client of the running gateway's HTTP API with `key` (none: the gateway runs without client
 * keys); a 401's message names the key as `keyHelp` says.
 */
export function gatewayClient(url: string, key: string | undefined, keyHelp: KeyHelp): AdminClient {
  return {
    url,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      let response: Response;
      try {
        response = await fetch(`${url}${path}`, {
          method,
          headers: {
            ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(requestTimeoutMs),
        });
      } catch (error) {
        throw unreachable(url, error);
      }
      const text = await response.text();
      let answer: unknown;
      try {
        answer = text === "" ? undefined : JSON.parse(text);
      } catch {
        answer = undefined;
      }
      if (response.ok && answer !== undefined) return answer as T;
      throw refused(url, response.status, answer, text, keyHelp);
    },
  };
}

/** Where the gateway on this machine listens: a wildcard bind address is reached on loopback. */
export function defaultGatewayUrl(config: Pick<GatewayConfig, "host" | "port">): string {
  let host = config.host;
  if (host === "0.0.0.0" || host === "") host = "127.0.0.1";
  else if (host === "::" || host === "[::]") host = "[::1]";
  else if (host.includes(":") && !host.startsWith("[")) host = `[${host}]`;
  return `http://${host}:${config.port}`;
}

function unreachable(url: string, error: unknown): AdminApiError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return new AdminApiError(`the gateway at ${url} did not answer within ${requestTimeoutMs / 1000} s.`);
  }
  const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return new AdminApiError(
    `cannot reach the gateway at ${url} (${reason}): is it running? Point --url, or LLM_GATEWAY_HOST and LLM_GATEWAY_PORT, at it.`,
  );
}

function refused(
  url: string,
  status: number,
  answer: unknown,
  text: string,
  keyHelp: KeyHelp,
): AdminApiError {
  const error = (answer as { error?: { message?: unknown; code?: unknown; param?: unknown } } | undefined)
    ?.error;
  const message = typeof error?.message === "string" ? error.message : text.trim().slice(0, 200);
  const code = typeof error?.code === "string" ? error.code : undefined;
  const param = typeof error?.param === "string" ? error.param : undefined;
  if (status === 401) {
    return new AdminApiError(
      `the gateway refused the ${keyHelp.label} (401): ${message} ${keyHelp.hint}`,
      status,
    );
  }
  if (status === 403) {
    const hint =
      code === "GW_ERR_ADMIN_ONLY" ? ' LLM_GATEWAY_ADMIN_KEY must be a client key with projects "*".' : "";
    return new AdminApiError(`the gateway refused (403): ${message}${hint}`, status);
  }
  if (status === 400 && param) {
    const flag = flagOfParam[param] ?? flagOfParam[param.split(".")[0] as string];
    return new AdminApiError(`invalid ${flag ? `${flag} (${param})` : param}: ${message}`, status);
  }
  if (status === 404 && code === undefined) {
    return new AdminApiError(
      `${url} has no admin API (404): is it an llm-gateway new enough to have one?`,
      status,
    );
  }
  // An unknown key id (404) or a config file's key (409): the gateway's message says it all.
  if (code !== undefined && (status === 404 || status === 409)) return new AdminApiError(message, status);
  return new AdminApiError(`the gateway answered ${status}: ${message || "(no message)"}`, status);
}
