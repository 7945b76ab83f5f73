import type { DeploymentSettings, RoutingSettings } from "../core/deployment-settings.js";
import type { ModelSpec } from "../core/model-catalog.js";
import type { ProviderSettings } from "../core/provider-adapter.js";
import type { AlertsConfig } from "./alerts-config.js";
import type { ResponseCacheConfig } from "./response-cache-config.js";
import type { TracingSettings } from "./tracing-settings.js";

export interface BudgetLimits {
  dailyUsd?: number;
  monthlyUsd?: number;
}

export interface ProjectBudget extends BudgetLimits {
  agents: Record<string, BudgetLimits>;
}

export interface RateLimitConfig {
  /** Requests per minute for any project without its own limit; undefined means unlimited. */
  defaultProjectRpm?: number;
  defaultAgentRpm?: number;
  /** Tokens (input + output) per minute for any project without its own limit; undefined means unlimited. */
  defaultProjectTpm?: number;
  defaultAgentTpm?: number;
  projects: Record<string, ProjectRateLimits>;
}

export interface ProjectRateLimits {
  projectRpm?: number;
  projectTpm?: number;
  /** Each agent of the project, unless `agents` names it. */
  agentRpm?: number;
  agentTpm?: number;
  /** One agent's own limits, set field by field over `agentRpm`/`agentTpm`. */
  agents?: Record<string, { rpm?: number; tpm?: number }>;
}

/** What one client key may spend and send, across every project it acts for; undefined means unlimited. */
export interface KeyLimits {
  dailyUsd?: number;
  monthlyUsd?: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

export interface ClientKeyConfig {
  /** A label for logs; the key itself is never logged. */
  name: string;
  key: string;
  /** Projects the key may act for; `"*"` is an admin key. */
  projects: string[] | "*";
  /**
   * Agent ids the key may act as. Without a list the caller names any agent id, so per-agent
   * limits and budgets are advisory for that key (it can rotate ids); per-project ones hold.
   */
  agents?: string[];
}

export interface ModelAlias {
  /** A glob over the requested name: `*` any run of characters, `?` one. */
  pattern: string;
  /** A model group or a catalog model. */
  target: string;
}

/**
 * Automatic Anthropic cache breakpoints on long system prompts and tool
 * lists, for requests routed by one of `modelGroups` or made for one of
 * `projects`.
 */
export interface AutoCacheBreakpointsConfig {
  modelGroups: string[];
  projects: string[];
  /** Estimated prompt tokens a system prompt or tool list needs to be marked. */
  minPromptTokens: number;
}

/**
 * Hedged streamed calls on these groups: when the first deployment has not
 * sent its first token within its p95 time to first token (`floorMs` until it
 * has `minSamples` of them), the next one is started too; the first to answer wins.
 */
export interface HedgingConfig {
  modelGroups: string[];
  floorMs: number;
  minSamples: number;
}

/** The validated, effective configuration: the only input `main` builds from. */
export interface GatewayConfig {
  /** OpenTelemetry tracing (the `OTEL_*` variables); undefined when no OTLP endpoint is set. */
  tracing?: TracingSettings;
  host: string;
  port: number;
  debug: boolean;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  dataDir: string;
  /** How long a conversation is kept after its last turn (`LLM_GATEWAY_CONVERSATION_TTL_SECONDS`). */
  conversationTtlMs: number;
  /** How long a background call's state is kept after its latest write (`LLM_GATEWAY_JOB_TTL_SECONDS`). */
  jobTtlMs: number;
  /** The request explorer's store: what it keeps, how long. */
  requestExplorer: RequestExplorerConfig;
  redisUrl: string | undefined;
  redisCluster: boolean;
  redisKeyPrefix: string;
  bodyLimitBytes: number;
  /** Hostnames an MCP `Origin` header may name (DNS-rebinding protection). */
  allowedOrigins: string[];
  /** Hostnames the MCP `Host` header may name. */
  allowedHosts: string[];
  allowUnauthenticated: boolean;
  /** Longest wait, across attempts, until a provider starts answering. */
  requestTimeoutMs: number;
  /** Longest a call may run once a provider answers (it ends sooner on silence: each provider's idle timeout). */
  maxCallMs: number;
  /**
   * `always`: providers are asked to stream even when the caller wants one answer (liveness is bytes);
   * `as_requested`: a caller's one-answer call goes to the provider unstreamed, under `answer_timeout_ms`.
   */
  providerStreaming: "always" | "as_requested";
  /** How often an MCP call with a progressToken hears how it is going. */
  progressIntervalMs: number;
  /** MCP results longer than this (o200k tokens) are cut, the whole text kept as a resource. */
  mcpMaxResultTokens: number;
  /** How long a cut result's whole text stays readable. */
  mcpResultTtlMs: number;
  /** Longest wait for a request's headers, from its first byte (or the connection's opening). */
  headersTimeoutMs: number;
  /** Longest wait for a whole request, headers and body; the response is not limited by it. */
  bodyTimeoutMs: number;
  /** Open connections at most; undefined: derived from the process's file-descriptor limit. */
  maxConnections: number | undefined;
  shutdownTimeoutMs: number;
  /**
   * Processes serving the port (`serve --workers`, `LLM_GATEWAY_WORKERS`, `server.workers`): 1 is one
   * process, more a node:cluster primary that forks them; "auto" resolved to the core count.
   */
  workers: number;
  retry: { maxRetries: number; retryAfterCapMs: number; baseDelayMs: number };
  circuit: { failureThreshold: number; cooldownMs: number };
  providers: Record<string, ProviderSettings>;
  catalog: Record<string, ModelSpec>;
  modelGroups: Record<string, string[]>;
  /**
   * Catalog models served by several deployments (config `deployments`), in full: listed,
   * they replace the model's own `provider`. Absent: each model has its one provider.
   */
  deployments?: Record<string, DeploymentSettings[]>;
  /** How a step's deployments are ordered; absent: `weighted`. */
  routing?: RoutingSettings;
  /** Glob patterns for model names that are neither a group nor a catalog model, first match wins. */
  modelAliases: ModelAlias[];
  budgets: Record<string, ProjectBudget>;
  /** With Redis unreachable, refuse budgeted requests (true) or admit them with a warning (false, default). */
  budgetsFailClosed: boolean;
  rateLimits: RateLimitConfig;
  clientKeys: ClientKeyConfig[];
  /** Undefined: the gateway adds no cache breakpoint of its own. */
  autoCacheBreakpoints?: AutoCacheBreakpointsConfig;
  /** Undefined: no call is hedged. */
  hedging?: HedgingConfig;
  /** Webhook alerts; none are sent without a webhook URL. */
  alerts: AlertsConfig;
  /** The response cache: which answers are kept, how long, where (README "Response cache"). */
  responseCache: ResponseCacheConfig;
}

/** The request explorer (GET /v1/requests): one record per request, in the usage store's engine. */
export interface RequestExplorerConfig {
  /** `LLM_GATEWAY_REQUEST_RETENTION_DAYS` (default 7). */
  retentionMs: number;
  /** `LLM_GATEWAY_REQUEST_MAX_ROWS` (default 100000): the oldest records go first past it. */
  maxRows: number;
  /** `LLM_GATEWAY_REQUEST_BODIES`: keep the request's messages and the answer's text, secrets redacted. Off by default. */
  keepBodies: boolean;
}
