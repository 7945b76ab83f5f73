import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { DeploymentSettings, RoutingSettings } from "../core/deployment-settings.js";
import type { ModelPricing, ModelSpec } from "../core/model-catalog.js";
import {
  defaultAzureOpenAiApiVersion,
  type ProviderKind,
  type ProviderSettings,
  providerKinds,
} from "../core/provider-adapter.js";
import { buildAlertsConfig } from "./alerts-config.js";
import { buildBedrockProviderSettings } from "./bedrock-provider-settings.js";
import { ConfigError, configErrorFromZod } from "./config-error.js";
import { type ConfigFile, configFileSchema, identifierPattern } from "./config-file-schema.js";
import {
  defaultCatalog,
  defaultModelAliases,
  defaultModelGroups,
  defaultProviderBaseUrls,
  usdToMicroUsd,
} from "./default-catalog.js";
import { envSchema, type GatewayEnv } from "./env-schema.js";
import type { ClientKeyConfig, GatewayConfig, ProjectBudget } from "./gateway-config.js";
import { providerPresets } from "./provider-presets.js";
import { responseCacheConfigFrom } from "./response-cache-config.js";
import { tracingSettingsFrom } from "./tracing-settings.js";
import { isVertexKind, vertexSettingsFrom } from "./vertex-settings.js";
import { resolveWorkerCount } from "./worker-count.js";

const builtInProviders = ["anthropic", "openai", "google", "deepseek", "voyage"] as const;

/**
 * A streamed answer's headers come at once, so a provider silent for 15 s is hung: fail over. Once it
 * answers, liveness is bytes: the idle default lets a reasoning model think silently for minutes
 * (OpenAI's o-series sends nothing on Chat Completions until it has reasoned). A non-streamed answer's
 * headers come only once it is all written: `answerMs` bounds the calls that cannot stream.
 */
const defaultTimeouts = { connectMs: 5_000, firstByteMs: 15_000, answerMs: 600_000, idleMs: 300_000 };

const loopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

/**
 * Builds the effective configuration: defaults, then the YAML file, then the
 * environment (env wins, so a deployment can override one value without
 * editing the file). Throws `ConfigError` naming the bad field.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const parsedEnv = envSchema.safeParse(pickKnown(env));
  if (!parsedEnv.success) throw configErrorFromZod("the environment", parsedEnv.error);
  const e = parsedEnv.data;
  const file = e.LLM_GATEWAY_CONFIG ? readConfigFile(e.LLM_GATEWAY_CONFIG) : {};

  const providers = buildProviders(e, file);
  const catalog = buildCatalog(file);
  const modelGroups = { ...defaultModelGroups, ...(file.model_groups ?? {}) };
  checkReferences(catalog, modelGroups, providers);
  const deployments = buildDeployments(file, catalog, providers);
  const routing = routingFrom(file, modelGroups);
  const modelAliases = file.model_aliases ?? defaultModelAliases;
  checkAliasTargets(modelAliases, catalog, modelGroups);

  const server = file.server ?? {};
  const host = e.LLM_GATEWAY_HOST ?? server.host ?? "127.0.0.1";
  const debug = e.LLM_GATEWAY_DEBUG ?? false;
  return {
    host,
    port: e.LLM_GATEWAY_PORT ?? server.port ?? 8001,
    debug,
    logLevel: e.LLM_GATEWAY_LOG_LEVEL ?? (debug ? "debug" : "info"),
    dataDir: e.LLM_GATEWAY_DATA_DIR ?? "./data",
    conversationTtlMs:
      (e.LLM_GATEWAY_CONVERSATION_TTL_SECONDS ?? server.conversation_ttl_seconds ?? 7 * 86_400) * 1000,
    jobTtlMs: (e.LLM_GATEWAY_JOB_TTL_SECONDS ?? 86_400) * 1000,
    requestExplorer: {
      retentionMs: (e.LLM_GATEWAY_REQUEST_RETENTION_DAYS ?? server.request_retention_days ?? 7) * 86_400_000,
      maxRows: e.LLM_GATEWAY_REQUEST_MAX_ROWS ?? server.request_max_rows ?? 100_000,
      keepBodies: e.LLM_GATEWAY_REQUEST_BODIES ?? server.request_bodies ?? false,
    },
    redisUrl: e.LLM_GATEWAY_REDIS_URL,
    redisCluster: e.LLM_GATEWAY_REDIS_CLUSTER ?? false,
    redisKeyPrefix: e.LLM_GATEWAY_REDIS_KEY_PREFIX ?? "llmgw:",
    bodyLimitBytes: e.LLM_GATEWAY_BODY_LIMIT_BYTES ?? server.body_limit_bytes ?? 10 * 1024 * 1024,
    allowedOrigins: e.LLM_GATEWAY_ALLOWED_ORIGINS
      ? splitList(e.LLM_GATEWAY_ALLOWED_ORIGINS)
      : (server.allowed_origins ?? loopbackHosts),
    allowedHosts: server.allowed_hosts ?? defaultAllowedHosts(host),
    allowUnauthenticated: e.LLM_GATEWAY_ALLOW_UNAUTHENTICATED ?? false,
    requestTimeoutMs: (e.LLM_GATEWAY_REQUEST_TIMEOUT_SECONDS ?? server.request_timeout_seconds ?? 300) * 1000,
    maxCallMs: (e.LLM_GATEWAY_MAX_CALL_SECONDS ?? 3600) * 1000,
    providerStreaming: e.LLM_GATEWAY_PROVIDER_STREAMING ?? server.provider_streaming ?? "always",
    progressIntervalMs: (e.LLM_GATEWAY_PROGRESS_INTERVAL_SECONDS ?? 10) * 1000,
    ...receiveTimeouts(e, server),
    mcpMaxResultTokens: e.LLM_GATEWAY_MCP_MAX_RESULT_TOKENS ?? 20_000,
    mcpResultTtlMs: (e.LLM_GATEWAY_MCP_RESULT_TTL_SECONDS ?? 3600) * 1000,
    maxConnections: e.LLM_GATEWAY_MAX_CONNECTIONS ?? server.max_connections,
    shutdownTimeoutMs: (server.shutdown_timeout_seconds ?? 25) * 1000,
    workers: resolveWorkerCount(e.LLM_GATEWAY_WORKERS ?? server.workers ?? 1),
    retry: {
      maxRetries: e.LLM_GATEWAY_MAX_RETRIES ?? file.retry?.max_retries ?? 1,
      retryAfterCapMs:
        (e.LLM_GATEWAY_RETRY_AFTER_CAP_SECONDS ?? file.retry?.retry_after_cap_seconds ?? 10) * 1000,
      baseDelayMs: file.retry?.base_delay_ms ?? 200,
    },
    circuit: {
      failureThreshold: e.LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD ?? file.circuit?.failure_threshold ?? 5,
      cooldownMs: (e.LLM_GATEWAY_CIRCUIT_COOLDOWN_SECONDS ?? file.circuit?.cooldown_seconds ?? 30) * 1000,
    },
    providers,
    catalog,
    modelGroups,
    ...(deployments ? { deployments } : {}),
    routing,
    modelAliases,
    budgets: buildBudgets(file),
    budgetsFailClosed: e.LLM_GATEWAY_BUDGETS_FAIL_CLOSED ?? file.budgets?.fail_closed ?? false,
    rateLimits: rateLimitsFrom(file),
    clientKeys: [...parseApiKeysEnv(e.LLM_GATEWAY_API_KEYS), ...fileClientKeys(file)],
    autoCacheBreakpoints: autoCacheBreakpointsFrom(file, modelGroups),
    hedging: hedgingFrom(file, modelGroups),
    responseCache: responseCacheConfigFrom(file.cache, e, modelGroups),
    alerts: buildAlertsConfig(e, file.alerts),
    tracing: tracingSettingsFrom(env, e.LLM_GATEWAY_OTEL_CAPTURE_CONTENT ?? false),
  };
}

function rateLimitsFrom(file: ConfigFile): GatewayConfig["rateLimits"] {
  const limits = file.rate_limits;
  return {
    defaultProjectRpm: limits?.default_project_rpm,
    defaultAgentRpm: limits?.default_agent_rpm,
    defaultProjectTpm: limits?.default_project_tpm,
    defaultAgentTpm: limits?.default_agent_tpm,
    projects: Object.fromEntries(
      Object.entries(limits?.projects ?? {}).map(([project, entry]) => [
        project,
        {
          projectRpm: entry.requests_per_minute,
          agentRpm: entry.agent_requests_per_minute,
          projectTpm: entry.tokens_per_minute,
          agentTpm: entry.agent_tokens_per_minute,
          ...(entry.agents
            ? {
                agents: Object.fromEntries(
                  Object.entries(entry.agents).map(([agent, own]) => [
                    agent,
                    { rpm: own.requests_per_minute, tpm: own.tokens_per_minute },
                  ]),
                ),
              }
            : {}),
        },
      ]),
    ),
  };
}

function hedgingFrom(file: ConfigFile, modelGroups: Record<string, string[]>): GatewayConfig["hedging"] {
  const hedging = file.hedging;
  if (!hedging) return undefined;
  for (const [index, group] of hedging.model_groups.entries()) {
    if (!Object.hasOwn(modelGroups, group)) {
      throw new ConfigError(
        `Invalid configuration: hedging.model_groups.${index} names "${group}", which is not a model group (${Object.keys(modelGroups).join(", ")})`,
      );
    }
  }
  return {
    modelGroups: hedging.model_groups,
    floorMs: hedging.floor_ms ?? 2_000,
    minSamples: hedging.min_samples ?? 20,
  };
}

/** Anthropic's smallest cacheable prompt (Sonnet 4, Opus 4.1); below it a breakpoint is wasted. */
const defaultAutoCacheMinPromptTokens = 1024;

function autoCacheBreakpointsFrom(
  file: ConfigFile,
  modelGroups: Record<string, string[]>,
): GatewayConfig["autoCacheBreakpoints"] {
  const auto = file.prompt_caching?.auto_breakpoints;
  if (!auto) return undefined;
  for (const [index, group] of (auto.model_groups ?? []).entries()) {
    if (!Object.hasOwn(modelGroups, group)) {
      throw new ConfigError(
        `Invalid configuration: prompt_caching.auto_breakpoints.model_groups.${index} names "${group}", which is not a model group (${Object.keys(modelGroups).join(", ")})`,
      );
    }
  }
  return {
    modelGroups: auto.model_groups ?? [],
    projects: auto.projects ?? [],
    minPromptTokens: auto.min_prompt_tokens ?? defaultAutoCacheMinPromptTokens,
  };
}

/**
 * How long a client may take to send a request: its headers (default 10 s) and all of it (default
 * 60 s), so a client trickling bytes (slowloris) cannot hold a connection for ever. Node counts
 * both from the request's first byte, so the headers' limit cannot exceed the whole request's.
 */
function receiveTimeouts(
  e: GatewayEnv,
  server: NonNullable<ConfigFile["server"]>,
): { headersTimeoutMs: number; bodyTimeoutMs: number } {
  const bodySeconds = e.LLM_GATEWAY_BODY_TIMEOUT_SECONDS ?? server.body_timeout_seconds ?? 60;
  const explicitHeaders = e.LLM_GATEWAY_HEADERS_TIMEOUT_SECONDS ?? server.headers_timeout_seconds;
  if (explicitHeaders !== undefined && explicitHeaders > bodySeconds) {
    throw new ConfigError(
      `Invalid configuration: the headers timeout (${explicitHeaders} s, LLM_GATEWAY_HEADERS_TIMEOUT_SECONDS or server.headers_timeout_seconds) must not exceed the body timeout (${bodySeconds} s, LLM_GATEWAY_BODY_TIMEOUT_SECONDS or server.body_timeout_seconds), which counts from the same first byte`,
    );
  }
  const headersSeconds = explicitHeaders ?? Math.min(10, bodySeconds);
  return { headersTimeoutMs: headersSeconds * 1000, bodyTimeoutMs: bodySeconds * 1000 };
}

function pickKnown(env: Record<string, string | undefined>): Record<string, string> {
  const known: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    // An empty variable means unset, as shells and compose files produce them.
    if (value !== undefined && value !== "") known[key] = value;
  }
  return known;
}

/** The YAML parser, loaded only when there is a config file to read: start-up without one does not pay for it. */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)("yaml") as typeof import("yaml");
  return yaml.parse(text);
}

function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(
      `LLM_GATEWAY_CONFIG: cannot read ${path} (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError(`LLM_GATEWAY_CONFIG: ${path} is not valid YAML: ${(error as Error).message}`);
  }
  const parsed = configFileSchema().safeParse(raw);
  if (!parsed.success) throw configErrorFromZod(path, parsed.error);
  return parsed.data;
}

function buildProviders(e: GatewayEnv, file: ConfigFile): Record<string, ProviderSettings> {
  const providers: Record<string, ProviderSettings> = {};
  const envKeys: Record<(typeof builtInProviders)[number], [string | undefined, string | undefined]> = {
    anthropic: [e.ANTHROPIC_API_KEY, e.ANTHROPIC_BASE_URL],
    openai: [e.OPENAI_API_KEY, e.OPENAI_BASE_URL],
    google: [e.GOOGLE_API_KEY, e.GOOGLE_BASE_URL],
    deepseek: [e.DEEPSEEK_API_KEY, e.DEEPSEEK_BASE_URL],
    voyage: [e.VOYAGE_API_KEY, e.VOYAGE_BASE_URL],
  };
  for (const name of builtInProviders) {
    const fromFile = file.providers?.[name];
    const [envKey, envUrl] = envKeys[name];
    providers[name] = {
      name,
      kind: fromFile?.kind ?? name,
      apiKey: envKey ?? fromFile?.api_key,
      baseUrl: stripTrailingSlash(envUrl ?? fromFile?.base_url ?? defaultProviderBaseUrls[name]),
      timeouts: timeoutsFrom(e, fromFile),
    };
  }
  for (const [name, fromFile] of Object.entries(file.providers ?? {})) {
    if (name in providers) continue;
    // `providers: { groq: {} }`: a preset's own name is its kind.
    const kind =
      fromFile.kind ??
      (Object.hasOwn(providerPresets, name) || name === "bedrock" ? (name as ProviderKind) : undefined);
    if (!kind) {
      throw new ConfigError(
        `Invalid configuration: providers.${name}.kind is required for a custom provider (one of ${providerKinds.join(", ")})`,
      );
    }
    if (kind === "bedrock") {
      providers[name] = buildBedrockProviderSettings(name, e, fromFile, timeoutsFrom(e, fromFile));
      continue;
    }
    if (fromFile.bedrock) {
      throw new ConfigError(
        `Invalid configuration: providers.${name}.bedrock is for kind bedrock, not ${kind}`,
      );
    }
    if (isVertexKind(kind)) {
      providers[name] = {
        name,
        kind,
        // Configured: the credentials are google-auth-library's to find (key file or ADC).
        apiKey: "",
        timeouts: timeoutsFrom(e, fromFile),
        ...vertexSettingsFrom(name, fromFile, e),
      };
      continue;
    }
    if (fromFile.project || fromFile.location || fromFile.credentials_file) {
      throw new ConfigError(
        `Invalid configuration: providers.${name}.project, location and credentials_file are Vertex AI's (kind: vertex or vertex-anthropic), not ${kind}'s`,
      );
    }
    const preset = providerPresets[kind];
    const presetEnv = e as Record<string, string | undefined>;
    const baseUrl = fromFile.base_url ?? (preset && (presetEnv[preset.baseUrlEnv] ?? preset.defaultBaseUrl));
    if (!baseUrl) {
      const orEnv = preset ? ` (or ${preset.baseUrlEnv})` : "";
      throw new ConfigError(
        `Invalid configuration: providers.${name}.base_url${orEnv} is required for a provider of kind ${kind}`,
      );
    }
    const azureFields = ["api_version", "azure_ad_token", ...clientCredentialFields] as const;
    if (kind !== "azure" && azureFields.some((field) => fromFile[field] !== undefined)) {
      throw new ConfigError(
        `Invalid configuration: providers.${name}.${azureFields.join(", ")} are Azure OpenAI's (kind: azure), not ${kind}'s`,
      );
    }
    if (kind === "azure") {
      providers[name] = azureProvider(name, fromFile, e, baseUrl, timeoutsFrom(e, fromFile));
      continue;
    }
    if ((fromFile.app_url || fromFile.app_title) && kind !== "openrouter") {
      throw new ConfigError(
        `Invalid configuration: providers.${name}.app_url and app_title are OpenRouter's attribution headers (kind: openrouter), not ${kind}'s`,
      );
    }
    const envKey = preset?.apiKeyEnv ? presetEnv[preset.apiKeyEnv] : undefined;
    // Self-hosted servers (vLLM, Ollama, LM Studio) often need no key: configured with an empty one.
    const keyless = kind === "openai-compatible" || preset?.local === true;
    providers[name] = {
      name,
      kind,
      apiKey: fromFile.api_key ?? envKey ?? (keyless ? "" : undefined),
      baseUrl: preset?.local ? withOpenAiPath(baseUrl) : stripTrailingSlash(baseUrl),
      timeouts: timeoutsFrom(e, fromFile),
      ...attributionHeaders(fromFile),
    };
  }
  return providers;
}

/**
 * Azure OpenAI: the entry's key or Entra ID token, else `AZURE_OPENAI_API_KEY`, else
 * `AZURE_OPENAI_AD_TOKEN` (a token the user's tooling keeps fresh); the api-version from
 * the entry, `AZURE_OPENAI_API_VERSION` or `OPENAI_API_VERSION` (the openai SDK's), else the
 * latest GA. A base URL given with `/openai` or `/openai/v1` (as the v1 API's docs write it) is
 * the resource's endpoint, the latter meaning `v1`.
 */
function azureProvider(
  name: string,
  fromFile: NonNullable<ConfigFile["providers"]>[string],
  e: GatewayEnv,
  baseUrl: string,
  timeouts: ProviderSettings["timeouts"],
): ProviderSettings {
  const fileClientCredentials = clientCredentialFields.some((field) => fromFile[field] !== undefined);
  const named = [fromFile.api_key && "api_key", fromFile.azure_ad_token && "azure_ad_token"];
  const credentialsNamed = [...named, fileClientCredentials && "azure_client_*"].filter(Boolean);
  if (credentialsNamed.length > 1) {
    throw new ConfigError(
      `Invalid configuration: providers.${name} names ${credentialsNamed.join(" and ")}; Azure takes one credential`,
    );
  }
  const url = stripTrailingSlash(baseUrl);
  const v1Path = /\/openai\/v1$/.test(url);
  const endpoint = url.replace(/\/openai(\/v1)?$/, "");
  const apiVersion =
    fromFile.api_version ??
    (v1Path ? "v1" : (e.AZURE_OPENAI_API_VERSION ?? e.OPENAI_API_VERSION ?? defaultAzureOpenAiApiVersion));
  if (apiVersion !== "v1" && !/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(apiVersion)) {
    throw new ConfigError(
      `Invalid configuration: providers.${name}.api_version must be a dated version such as ${defaultAzureOpenAiApiVersion} (or 2025-04-01-preview) or v1, got "${apiVersion}"`,
    );
  }
  const settings = { name, kind: "azure" as const, baseUrl: endpoint, timeouts };
  if (fromFile.api_key)
    return { ...settings, apiKey: fromFile.api_key, azure: { apiVersion, credential: "api-key" } };
  if (fromFile.azure_ad_token) {
    return { ...settings, apiKey: fromFile.azure_ad_token, azure: { apiVersion, credential: "entra-token" } };
  }
  if (fileClientCredentials) {
    const app = {
      tenantId: fromFile.azure_tenant_id,
      clientId: fromFile.azure_client_id,
      clientSecret: fromFile.azure_client_secret,
    };
    return clientCredentialsProvider(
      `providers.${name}`,
      settings,
      apiVersion,
      app,
      fromFile.azure_authority_host ?? e.AZURE_AUTHORITY_HOST,
    );
  }
  if (e.AZURE_OPENAI_API_KEY)
    return { ...settings, apiKey: e.AZURE_OPENAI_API_KEY, azure: { apiVersion, credential: "api-key" } };
  if (e.AZURE_OPENAI_AD_TOKEN) {
    return { ...settings, apiKey: e.AZURE_OPENAI_AD_TOKEN, azure: { apiVersion, credential: "entra-token" } };
  }
  if (e.AZURE_CLIENT_SECRET) {
    const app = {
      tenantId: e.AZURE_TENANT_ID,
      clientId: e.AZURE_CLIENT_ID,
      clientSecret: e.AZURE_CLIENT_SECRET,
    };
    return clientCredentialsProvider(
      "AZURE_CLIENT_SECRET",
      settings,
      apiVersion,
      app,
      e.AZURE_AUTHORITY_HOST,
    );
  }
  return { ...settings, apiKey: undefined, azure: { apiVersion, credential: "api-key" } };
}

const clientCredentialFields = [
  "azure_tenant_id",
  "azure_client_id",
  "azure_client_secret",
  "azure_authority_host",
] as const;

/** An Entra ID app whose tokens the adapter fetches; `apiKey` holds its secret, so it is treated as one (redacted, scanned for). */
function clientCredentialsProvider(
  where: string,
  settings: Omit<ProviderSettings, "apiKey" | "azure">,
  apiVersion: string,
  app: { tenantId: string | undefined; clientId: string | undefined; clientSecret: string | undefined },
  authorityHost: string | undefined,
): ProviderSettings {
  const { tenantId, clientId, clientSecret } = app;
  if (!tenantId || !clientId || !clientSecret) {
    throw new ConfigError(
      `Invalid configuration: ${where}: an Entra ID app needs its tenant id, client id and client secret (azure_tenant_id, azure_client_id, azure_client_secret, or AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET)`,
    );
  }
  return {
    ...settings,
    apiKey: clientSecret,
    azure: {
      apiVersion,
      credential: "entra-client-credentials",
      clientCredentials: {
        tenantId,
        clientId,
        clientSecret,
        authorityHost: stripTrailingSlash(authorityHost ?? "https://login.microsoftonline.com"),
      },
    },
  };
}

/**
 * Ollama, vLLM and LM Studio serve OpenAI's API under `/v1`; a bare server
 * address (`OLLAMA_BASE_URL=http://gpu-box:11434`, as Open WebUI takes it) means that path.
 */
function withOpenAiPath(baseUrl: string): string {
  const url = stripTrailingSlash(baseUrl);
  return new URL(url).pathname === "/" ? `${url}/v1` : url;
}

/** OpenRouter shows traffic under the app these name; both are optional. */
function attributionHeaders(fromFile: NonNullable<ConfigFile["providers"]>[string]): {
  headers?: Record<string, string>;
} {
  const headers: Record<string, string> = {};
  if (fromFile.app_url) headers["http-referer"] = fromFile.app_url;
  if (fromFile.app_title) {
    headers["x-openrouter-title"] = fromFile.app_title;
    headers["x-title"] = fromFile.app_title;
  }
  return Object.keys(headers).length > 0 ? { headers } : {};
}

function timeoutsFrom(e: GatewayEnv, fromFile: NonNullable<ConfigFile["providers"]>[string] | undefined) {
  return {
    connectMs: fromFile?.connect_timeout_ms ?? defaultTimeouts.connectMs,
    firstByteMs: fromFile?.first_byte_timeout_ms ?? defaultTimeouts.firstByteMs,
    answerMs: fromFile?.answer_timeout_ms ?? defaultTimeouts.answerMs,
    idleMs:
      fromFile?.idle_timeout_ms ??
      (e.LLM_GATEWAY_IDLE_TIMEOUT_SECONDS
        ? e.LLM_GATEWAY_IDLE_TIMEOUT_SECONDS * 1000
        : defaultTimeouts.idleMs),
  };
}

function buildCatalog(file: ConfigFile): Record<string, ModelSpec> {
  const catalog = defaultCatalog();
  for (const [name, model] of Object.entries(file.models ?? {})) {
    const price = model.price_per_mtok;
    catalog[name] = {
      name,
      kind: model.kind,
      provider: model.provider,
      providerModelId: model.provider_model_id,
      contextWindow: model.context_window,
      maxOutputTokens: model.max_output_tokens,
      usesMaxCompletionTokens: model.uses_max_completion_tokens,
      midConversationSystemMessages: model.mid_conversation_system_messages,
      ...(model.prices_as_of !== undefined ? { pricesAsOf: model.prices_as_of } : {}),
      ...(model.prices_source !== undefined ? { pricesSource: model.prices_source } : {}),
      pricing: pricingFrom(price),
    };
  }
  return catalog;
}

type FilePrices = NonNullable<ConfigFile["models"]>[string]["price_per_mtok"];

function pricingFrom(price: FilePrices): ModelPricing {
  return {
    inputMicroUsdPerMtok: usdToMicroUsd(price.input),
    outputMicroUsdPerMtok: usdToMicroUsd(price.output),
    cachedInputMicroUsdPerMtok: usdToMicroUsd(price.cached_input ?? price.input),
    cacheWriteMicroUsdPerMtok: usdToMicroUsd(price.cache_write ?? price.input),
    ...(price.cache_write_1h !== undefined
      ? { cacheWrite1hMicroUsdPerMtok: usdToMicroUsd(price.cache_write_1h) }
      : {}),
  };
}

/**
 * `deployments: { claude-sonnet-4: [{ provider: anthropic, weight: 3 }, { provider: anthropic-eu }] }`:
 * each named model must be in the catalog, each provider configured and listed once per model
 * (`provider/model` is the deployment's circuit key).
 */
function buildDeployments(
  file: ConfigFile,
  catalog: Record<string, ModelSpec>,
  providers: Record<string, ProviderSettings>,
): Record<string, DeploymentSettings[]> | undefined {
  if (!file.deployments) return undefined;
  const deployments: Record<string, DeploymentSettings[]> = {};
  for (const [model, entries] of Object.entries(file.deployments)) {
    if (!Object.hasOwn(catalog, model)) {
      throw new ConfigError(
        `Invalid configuration: deployments.${model} names a model that is not in the model catalog (add it under models, or use a catalog name such as ${Object.keys(catalog).slice(0, 3).join(", ")})`,
      );
    }
    const seen = new Set<string>();
    deployments[model] = entries.map((entry, index) => {
      const field = `deployments.${model}.${index}.provider`;
      if (!Object.hasOwn(providers, entry.provider)) {
        throw new ConfigError(
          `Invalid configuration: ${field} names "${entry.provider}", which is not a configured provider (${Object.keys(providers).join(", ")})`,
        );
      }
      if (seen.has(entry.provider)) {
        throw new ConfigError(
          `Invalid configuration: ${field} lists "${entry.provider}" a second time for ${model}: a provider serves a model once (its circuit is ${entry.provider}/${model}); add another account as a provider of its own`,
        );
      }
      seen.add(entry.provider);
      return {
        provider: entry.provider,
        weight: entry.weight ?? 1,
        ...(entry.provider_model_id !== undefined ? { providerModelId: entry.provider_model_id } : {}),
        ...(entry.price_per_mtok ? { pricing: pricingFrom(entry.price_per_mtok) } : {}),
      };
    });
  }
  return deployments;
}

/** `weighted` unless configured: a predictable share per account that needs no warm-up, as LiteLLM's default. */
function routingFrom(file: ConfigFile, modelGroups: Record<string, string[]>): RoutingSettings {
  const routing = file.routing;
  for (const group of Object.keys(routing?.model_groups ?? {})) {
    if (!Object.hasOwn(modelGroups, group)) {
      throw new ConfigError(
        `Invalid configuration: routing.model_groups.${group} is not a model group (${Object.keys(modelGroups).join(", ")})`,
      );
    }
  }
  return { strategy: routing?.strategy ?? "weighted", modelGroups: routing?.model_groups ?? {} };
}

function checkReferences(
  catalog: Record<string, ModelSpec>,
  modelGroups: Record<string, string[]>,
  providers: Record<string, ProviderSettings>,
): void {
  for (const model of Object.values(catalog)) {
    if (!providers[model.provider]) {
      throw new ConfigError(
        `Invalid configuration: models.${model.name}.provider names "${model.provider}", which is not a configured provider (${Object.keys(providers).join(", ")})`,
      );
    }
  }
  for (const [group, chain] of Object.entries(modelGroups)) {
    chain.forEach((name, index) => {
      if (!catalog[name]) {
        throw new ConfigError(
          `Invalid configuration: model_groups.${group}.${index} names "${name}", which is not in the model catalog`,
        );
      }
    });
    const kinds = new Set(chain.map((name) => catalog[name]?.kind));
    if (kinds.size > 1) {
      throw new ConfigError(`Invalid configuration: model_groups.${group} mixes chat and embedding models`);
    }
  }
}

function checkAliasTargets(
  aliases: Array<{ pattern: string; target: string }>,
  catalog: Record<string, ModelSpec>,
  modelGroups: Record<string, string[]>,
): void {
  aliases.forEach(({ target }, index) => {
    if (!Object.hasOwn(modelGroups, target) && !Object.hasOwn(catalog, target)) {
      throw new ConfigError(
        `Invalid configuration: model_aliases.${index}.target names "${target}", which is neither a model group nor a catalog model`,
      );
    }
  });
}

function buildBudgets(file: ConfigFile): Record<string, ProjectBudget> {
  const budgets: Record<string, ProjectBudget> = {};
  for (const [project, limits] of Object.entries(file.budgets?.projects ?? {})) {
    budgets[project] = {
      dailyUsd: limits.daily_usd,
      monthlyUsd: limits.monthly_usd,
      agents: Object.fromEntries(
        Object.entries(limits.agents ?? {}).map(([agent, agentLimits]) => [
          agent,
          { dailyUsd: agentLimits.daily_usd, monthlyUsd: agentLimits.monthly_usd },
        ]),
      ),
    };
  }
  return budgets;
}

/**
 * `LLM_GATEWAY_API_KEYS="key1=project-a|project-b,key2=*,key3=project-c@agent-1|agent-2"`: after
 * the last `=`, the projects, then optionally `@` and the agent ids the key is pinned to (neither
 * `=` nor `@` can occur in an id, so a key may contain both).
 */
function parseApiKeysEnv(value: string | undefined): ClientKeyConfig[] {
  if (!value) return [];
  return splitList(value).map((entry, index) => {
    const separator = entry.lastIndexOf("=");
    const key = separator > 0 ? entry.slice(0, separator) : "";
    const [projects = "", agents, ...extra] = separator > 0 ? entry.slice(separator + 1).split("@") : [];
    const field = `LLM_GATEWAY_API_KEYS entry ${index + 1}`;
    if (key.length < 16 || extra.length > 0) {
      throw new ConfigError(
        `${field}: expected KEY=PROJECT[|PROJECT...] or KEY=*, optionally followed by @AGENT[|AGENT...], with a key of 16+ characters`,
      );
    }
    const name = `env-key-${index + 1}`;
    const pinned = agents === undefined ? {} : { agents: identifierList(agents, `${field}: agent ids`) };
    if (projects === "*") return { name, key, projects: "*", ...pinned };
    return { name, key, projects: identifierList(projects, `${field}: project ids`), ...pinned };
  });
}

function identifierList(value: string, what: string): string[] {
  const list = value.split("|").filter(Boolean);
  const bad = list.find((item) => !identifierPattern.test(item));
  if (list.length === 0 || bad !== undefined) {
    throw new ConfigError(
      `${what} must be 1-128 characters of [A-Za-z0-9._:-]${bad ? `, got "${bad}"` : ", got none"}`,
    );
  }
  return list;
}

function fileClientKeys(file: ConfigFile): ClientKeyConfig[] {
  return (file.client_keys ?? []).map((entry, index) => ({
    name: entry.name ?? `file-key-${index + 1}`,
    key: entry.key,
    projects: entry.projects,
    ...(entry.agents ? { agents: entry.agents } : {}),
  }));
}

function splitList(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

function defaultAllowedHosts(host: string): string[] {
  const isWildcard = host === "0.0.0.0" || host === "::";
  // Bound to every interface, the Host check cannot know the public name; the
  // operator lists it in server.allowed_hosts. Loopback stays protected.
  return isWildcard ? [] : [...new Set([...loopbackHosts, host.includes(":") ? `[${host}]` : host])];
}
