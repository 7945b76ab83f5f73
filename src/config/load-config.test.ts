import { mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { envSchema } from "./env-schema.js";
import { loadConfig } from "./load-config.js";
import { presetEnvNames } from "./provider-presets.js";

function writeConfigFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "llmgw-config-")), "gateway.yaml");
  writeFileSync(path, yaml);
  return path;
}

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected loadConfig to throw");
}

describe("loadConfig", () => {
  it("applies DESIGN.md's defaults with an empty environment", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 8001,
      debug: false,
      dataDir: "./data",
      redisUrl: undefined,
      circuit: { failureThreshold: 5, cooldownMs: 30_000 },
      retry: { maxRetries: 1, retryAfterCapMs: 10_000 },
    });
    expect(config.modelGroups.reasoning).toEqual(["claude-opus-4-5", "gpt-4.1", "gemini-2.5-pro"]);
    expect(config.modelGroups.embedding).toEqual(["text-embedding-3-large", "voyage-3"]);
    expect(config.providers.anthropic).toMatchObject({
      apiKey: undefined,
      baseUrl: "https://api.anthropic.com",
    });
  });

  it("reads provider keys, base URLs and circuit settings from the environment", () => {
    const config = loadConfig({
      ANTHROPIC_API_KEY: "sk-ant-test",
      OPENAI_BASE_URL: "http://127.0.0.1:9999/v1/",
      LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "3",
      LLM_GATEWAY_CIRCUIT_COOLDOWN_SECONDS: "2",
      LLM_GATEWAY_PORT: "9000",
      LLM_GATEWAY_DEBUG: "true",
    });
    expect(config.providers.anthropic?.apiKey).toBe("sk-ant-test");
    expect(config.providers.openai?.baseUrl).toBe("http://127.0.0.1:9999/v1");
    expect(config.circuit).toEqual({ failureThreshold: 3, cooldownMs: 2_000 });
    expect(config.port).toBe(9000);
    expect(config.logLevel).toBe("debug");
  });

  it("keeps conversations a week by default; the environment or the file's server section sets it", () => {
    expect(loadConfig({}).conversationTtlMs).toBe(7 * 86_400_000);
    expect(loadConfig({ LLM_GATEWAY_CONVERSATION_TTL_SECONDS: "3600" }).conversationTtlMs).toBe(3_600_000);
    const path = writeConfigFile("server:\n  conversation_ttl_seconds: 60\n");
    expect(loadConfig({ LLM_GATEWAY_CONFIG: path }).conversationTtlMs).toBe(60_000);
    expect(configError({ LLM_GATEWAY_CONVERSATION_TTL_SECONDS: "0" })).toMatch(
      /LLM_GATEWAY_CONVERSATION_TTL_SECONDS: must be at least 1/,
    );
  });

  it("keeps background jobs a day by default, at least a minute (longer than a lost job's silence)", () => {
    expect(loadConfig({}).jobTtlMs).toBe(86_400_000);
    expect(loadConfig({ LLM_GATEWAY_JOB_TTL_SECONDS: "600" }).jobTtlMs).toBe(600_000);
    expect(configError({ LLM_GATEWAY_JOB_TTL_SECONDS: "10" })).toMatch(
      /LLM_GATEWAY_JOB_TTL_SECONDS: must be at least 60/,
    );
  });

  it("keeps requests for the explorer 7 days, 100000 rows, without bodies, unless told", () => {
    expect(loadConfig({}).requestExplorer).toEqual({
      retentionMs: 7 * 86_400_000,
      maxRows: 100_000,
      keepBodies: false,
    });
    expect(
      loadConfig({
        LLM_GATEWAY_REQUEST_RETENTION_DAYS: "2",
        LLM_GATEWAY_REQUEST_MAX_ROWS: "500",
        LLM_GATEWAY_REQUEST_BODIES: "true",
      }).requestExplorer,
    ).toEqual({ retentionMs: 2 * 86_400_000, maxRows: 500, keepBodies: true });
    expect(configError({ LLM_GATEWAY_REQUEST_RETENTION_DAYS: "0" })).toMatch(
      /LLM_GATEWAY_REQUEST_RETENTION_DAYS: must be at least 1/,
    );
  });

  it("names the field and what is allowed for a bad environment value", () => {
    expect(configError({ LLM_GATEWAY_PORT: "eighty" })).toMatch(
      /LLM_GATEWAY_PORT: expected a whole number from 0 to 65535/,
    );
    expect(configError({ LLM_GATEWAY_PORT: "70000" })).toMatch(/LLM_GATEWAY_PORT: must be at most 65535/);
    expect(configError({ LLM_GATEWAY_DEBUG: "maybe" })).toMatch(/LLM_GATEWAY_DEBUG: expected true or false/);
    expect(configError({ OPENAI_BASE_URL: "not a url" })).toMatch(
      /OPENAI_BASE_URL: expected an http\(s\) URL/,
    );
    expect(configError({ LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "0" })).toMatch(
      /LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: must be at least 1/,
    );
  });

  it("loads groups, custom models and providers, budgets and keys from the YAML file", () => {
    const path = writeConfigFile(`
providers:
  local-vllm:
    kind: openai-compatible
    base_url: http://127.0.0.1:8000/v1
models:
  llama-3-70b:
    provider: local-vllm
    provider_model_id: meta-llama/Meta-Llama-3-70B-Instruct
    context_window: 8192
    max_output_tokens: 4096
    price_per_mtok: { input: 0.59, output: 0.79 }
model_groups:
  fast: [llama-3-70b, gpt-4.1-mini]
budgets:
  projects:
    team-a: { daily_usd: 10, monthly_usd: 200, agents: { bot-1: { daily_usd: 1 } } }
rate_limits:
  default_project_rpm: 600
  projects:
    team-a: { requests_per_minute: 60, agent_requests_per_minute: 10 }
client_keys:
  - { name: team-a-key, key: "gw-team-a-0123456789abcdef", projects: [team-a] }
`);
    const config = loadConfig({
      LLM_GATEWAY_CONFIG: path,
      LLM_GATEWAY_API_KEYS: "gw-admin-0123456789abcdef=*",
    });
    expect(config.modelGroups.fast).toEqual(["llama-3-70b", "gpt-4.1-mini"]);
    expect(config.catalog["llama-3-70b"]).toMatchObject({
      provider: "local-vllm",
      pricing: {
        inputMicroUsdPerMtok: 590_000,
        outputMicroUsdPerMtok: 790_000,
        cachedInputMicroUsdPerMtok: 590_000,
      },
    });
    expect(config.providers["local-vllm"]).toMatchObject({ kind: "openai-compatible", apiKey: "" });
    expect(config.budgets["team-a"]).toEqual({
      dailyUsd: 10,
      monthlyUsd: 200,
      agents: { "bot-1": { dailyUsd: 1, monthlyUsd: undefined } },
    });
    expect(config.rateLimits).toMatchObject({
      defaultProjectRpm: 600,
      projects: { "team-a": { projectRpm: 60, agentRpm: 10 } },
    });
    expect(config.clientKeys).toEqual([
      { name: "env-key-1", key: "gw-admin-0123456789abcdef", projects: "*" },
      { name: "team-a-key", key: "gw-team-a-0123456789abcdef", projects: ["team-a"] },
    ]);
  });

  it("fills a preset's base URL, key variable and local default; the entry's own values win", () => {
    const path = writeConfigFile(`
providers:
  groq: {}
  grok: { kind: xai }
  mistral: { kind: mistral }
  second-groq: { kind: groq, api_key: gsk-second-0123456789 }
  openrouter: { app_url: "https://agents.example.com", app_title: "Our agents" }
  together: { kind: together }
  ollama: {}
  my-vllm: { kind: vllm, base_url: "http://10.0.0.5:8000/v1/" }
  lmstudio: {}
`);
    const config = loadConfig({
      LLM_GATEWAY_CONFIG: path,
      GROQ_API_KEY: "gsk-env-0123456789",
      MISTRAL_API_KEY: "mistral-env-key",
      OLLAMA_BASE_URL: "http://10.0.0.9:11434/v1",
    });
    expect(config.providers.groq).toMatchObject({
      kind: "groq",
      apiKey: "gsk-env-0123456789",
      baseUrl: "https://api.groq.com/openai/v1",
    });
    expect(config.providers["second-groq"]).toMatchObject({ apiKey: "gsk-second-0123456789" });
    // No XAI_API_KEY: configured but unavailable, as a built-in provider without a key is.
    expect(config.providers.grok).toMatchObject({
      kind: "xai",
      apiKey: undefined,
      baseUrl: "https://api.x.ai/v1",
    });
    expect(config.providers.mistral).toMatchObject({
      apiKey: "mistral-env-key",
      baseUrl: "https://api.mistral.ai/v1",
    });
    expect(config.providers.openrouter).toMatchObject({
      baseUrl: "https://openrouter.ai/api/v1",
      headers: {
        "http-referer": "https://agents.example.com",
        "x-openrouter-title": "Our agents",
        "x-title": "Our agents",
      },
    });
    expect(config.providers.together?.baseUrl).toBe("https://api.together.ai/v1");
    expect(config.providers.ollama).toMatchObject({ apiKey: "", baseUrl: "http://10.0.0.9:11434/v1" });
    expect(config.providers["my-vllm"]).toMatchObject({ apiKey: "", baseUrl: "http://10.0.0.5:8000/v1" });
    expect(config.providers.lmstudio).toMatchObject({ apiKey: "", baseUrl: "http://127.0.0.1:1234/v1" });
    const bare = loadConfig({
      LLM_GATEWAY_CONFIG: writeConfigFile("providers:\n  ollama: {}\n"),
      OLLAMA_BASE_URL: "http://gpu-box:11434/",
    });
    expect(bare.providers.ollama?.baseUrl).toBe("http://gpu-box:11434/v1");
  });

  it("reads Azure OpenAI entries: endpoint, key or Entra token, api-version, the v1 API", () => {
    const path = writeConfigFile(`
providers:
  azure: {}
  azure-token: { kind: azure, base_url: "https://token-res.openai.azure.com/", azure_ad_token: entra-file-token-0123 }
  azure-v1: { kind: azure, base_url: "https://v1-res.openai.azure.com/openai/v1/", api_key: key-v1-0123456789 }
  azure-pinned: { kind: azure, base_url: "https://pinned.openai.azure.com/openai", api_version: 2025-04-01-preview }
`);
    const config = loadConfig({
      LLM_GATEWAY_CONFIG: path,
      AZURE_OPENAI_API_KEY: "azure-env-key-0123456789",
      AZURE_OPENAI_ENDPOINT: "https://env-res.openai.azure.com",
      OPENAI_API_VERSION: "2024-06-01",
    });
    expect(config.providers.azure).toMatchObject({
      kind: "azure",
      apiKey: "azure-env-key-0123456789",
      baseUrl: "https://env-res.openai.azure.com",
      azure: { apiVersion: "2024-06-01", credential: "api-key" },
    });
    expect(config.providers["azure-token"]).toMatchObject({
      apiKey: "entra-file-token-0123",
      baseUrl: "https://token-res.openai.azure.com",
      azure: { credential: "entra-token" },
    });
    expect(config.providers["azure-v1"]).toMatchObject({
      apiKey: "key-v1-0123456789",
      baseUrl: "https://v1-res.openai.azure.com",
      azure: { apiVersion: "v1", credential: "api-key" },
    });
    expect(config.providers["azure-pinned"]).toMatchObject({
      baseUrl: "https://pinned.openai.azure.com",
      azure: { apiVersion: "2025-04-01-preview" },
    });
    // AZURE_OPENAI_API_VERSION wins over the SDK's OPENAI_API_VERSION; the GA default without either;
    // an Entra token from the environment when there is no key.
    const fromEnv = loadConfig({
      LLM_GATEWAY_CONFIG: writeConfigFile("providers:\n  azure: {}\n"),
      AZURE_OPENAI_ENDPOINT: "https://env-res.openai.azure.com",
      AZURE_OPENAI_AD_TOKEN: "entra-env-token-0123",
      AZURE_OPENAI_API_VERSION: "2024-10-21",
      OPENAI_API_VERSION: "2024-06-01",
    });
    expect(fromEnv.providers.azure).toMatchObject({
      apiKey: "entra-env-token-0123",
      azure: { apiVersion: "2024-10-21", credential: "entra-token" },
    });
    const bare = loadConfig({
      LLM_GATEWAY_CONFIG: writeConfigFile("providers:\n  azure: {}\n"),
      AZURE_OPENAI_ENDPOINT: "https://env-res.openai.azure.com",
    });
    expect(bare.providers.azure).toMatchObject({ apiKey: undefined, azure: { apiVersion: "2024-10-21" } });
  });

  it("reads an Entra ID app's client credentials for Azure from the entry or azure-identity's variables", () => {
    const path = writeConfigFile(`
providers:
  azure: { base_url: "https://r.openai.azure.com" }
  azure-app: { kind: azure, base_url: "https://r.openai.azure.com", azure_tenant_id: t-file, azure_client_id: c-file, azure_client_secret: s-file-0123456789 }
`);
    const config = loadConfig({
      LLM_GATEWAY_CONFIG: path,
      AZURE_TENANT_ID: "t-env",
      AZURE_CLIENT_ID: "c-env",
      AZURE_CLIENT_SECRET: "s-env-0123456789",
      AZURE_AUTHORITY_HOST: "https://login.microsoftonline.us/",
    });
    expect(config.providers.azure).toMatchObject({
      apiKey: "s-env-0123456789",
      azure: {
        credential: "entra-client-credentials",
        clientCredentials: {
          tenantId: "t-env",
          clientId: "c-env",
          clientSecret: "s-env-0123456789",
          authorityHost: "https://login.microsoftonline.us",
        },
      },
    });
    expect(config.providers["azure-app"]).toMatchObject({
      apiKey: "s-file-0123456789",
      azure: { clientCredentials: { tenantId: "t-file", clientId: "c-file" } },
    });
    const partial = writeConfigFile(
      'providers:\n  azure: { base_url: "https://r.openai.azure.com", azure_client_id: c-file }\n',
    );
    expect(configError({ LLM_GATEWAY_CONFIG: partial })).toMatch(
      /needs its tenant id, client id and client secret/,
    );
  });

  it("refuses an Azure entry without an endpoint, with two credentials or a malformed api-version", () => {
    const noEndpoint = writeConfigFile("providers:\n  azure: {}\n");
    expect(configError({ LLM_GATEWAY_CONFIG: noEndpoint })).toMatch(
      /providers\.azure\.base_url \(or AZURE_OPENAI_ENDPOINT\) is required/,
    );
    const both = writeConfigFile(
      'providers:\n  azure: { base_url: "https://r.openai.azure.com", api_key: k-0123456789, azure_ad_token: t-0123456789 }\n',
    );
    expect(configError({ LLM_GATEWAY_CONFIG: both })).toMatch(
      /names api_key and azure_ad_token; Azure takes one credential/,
    );
    const badVersion = writeConfigFile(
      'providers:\n  azure: { base_url: "https://r.openai.azure.com", api_version: latest }\n',
    );
    expect(configError({ LLM_GATEWAY_CONFIG: badVersion })).toMatch(/api_version must be a dated version/);
    const notAzure = writeConfigFile("providers:\n  groq: { api_version: 2024-10-21 }\n");
    expect(configError({ LLM_GATEWAY_CONFIG: notAzure })).toMatch(
      /are Azure OpenAI's \(kind: azure\), not groq's/,
    );
  });

  it("reads every preset variable from the environment", () => {
    for (const name of presetEnvNames) expect(Object.keys(envSchema.shape)).toContain(name);
    const path = writeConfigFile("providers:\n  fireworks: {}\n");
    const config = loadConfig({
      LLM_GATEWAY_CONFIG: path,
      FIREWORKS_API_KEY: "fw-env",
      FIREWORKS_BASE_URL: "http://127.0.0.1:9/inference/v1",
    });
    expect(config.providers.fireworks).toMatchObject({
      apiKey: "fw-env",
      baseUrl: "http://127.0.0.1:9/inference/v1",
    });
  });

  it("refuses attribution headers on a provider that is not OpenRouter, and a custom provider without a URL", () => {
    const misplaced = writeConfigFile("providers:\n  groq: { app_title: Agents }\n");
    expect(configError({ LLM_GATEWAY_CONFIG: misplaced })).toMatch(
      /providers\.groq\.app_url and app_title are OpenRouter's attribution headers/,
    );
    const noUrl = writeConfigFile("providers:\n  mine: { kind: openai-compatible }\n");
    expect(configError({ LLM_GATEWAY_CONFIG: noUrl })).toMatch(/providers\.mine\.base_url is required/);
    const noKind = writeConfigFile("providers:\n  mine: {}\n");
    expect(configError({ LLM_GATEWAY_CONFIG: noKind })).toMatch(/providers\.mine\.kind is required/);
  });

  it("stops on a bad file with the field path", () => {
    const unknownModel = writeConfigFile("model_groups:\n  reasoning: [claude-opus-4-5, gpt-9]\n");
    expect(configError({ LLM_GATEWAY_CONFIG: unknownModel })).toMatch(
      /model_groups\.reasoning\.1 names "gpt-9", which is not in the model catalog/,
    );
    const typo = writeConfigFile("circuit:\n  failure_treshold: 3\n");
    expect(configError({ LLM_GATEWAY_CONFIG: typo })).toMatch(
      /circuit: Unrecognized key: "failure_treshold"/,
    );
    const wrongType = writeConfigFile("budgets:\n  projects:\n    team-a: { daily_usd: -5 }\n");
    expect(configError({ LLM_GATEWAY_CONFIG: wrongType })).toMatch(
      /budgets\.projects\.team-a\.daily_usd: must be zero or more/,
    );
    const badYaml = writeConfigFile("model_groups: [unclosed\n");
    expect(configError({ LLM_GATEWAY_CONFIG: badYaml })).toMatch(/is not valid YAML/);
    expect(configError({ LLM_GATEWAY_CONFIG: "/nonexistent/gateway.yaml" })).toMatch(
      /cannot read \/nonexistent\/gateway.yaml \(ENOENT\)/,
    );
  });

  it("reads tokens-per-minute limits and per-agent overrides, and names a bad one", () => {
    const path = writeConfigFile(`
rate_limits:
  default_project_tpm: 100000
  default_agent_tpm: 20000
  projects:
    team-a:
      tokens_per_minute: 50000
      agent_tokens_per_minute: 5000
      agents: { bot-1: { requests_per_minute: 30, tokens_per_minute: 9000 }, bot-2: { tokens_per_minute: 1 } }
`);
    expect(loadConfig({ LLM_GATEWAY_CONFIG: path }).rateLimits).toEqual({
      defaultProjectTpm: 100_000,
      defaultAgentTpm: 20_000,
      projects: {
        "team-a": {
          projectTpm: 50_000,
          agentTpm: 5_000,
          agents: { "bot-1": { rpm: 30, tpm: 9_000 }, "bot-2": { tpm: 1 } },
        },
      },
    });
    const fractional = writeConfigFile("rate_limits: { default_project_tpm: 1.5 }\n");
    expect(configError({ LLM_GATEWAY_CONFIG: fractional })).toMatch(
      /rate_limits\.default_project_tpm: must be a whole number/,
    );
    const zero = writeConfigFile(
      "rate_limits:\n  projects:\n    team-a: { agents: { bot-1: { tokens_per_minute: 0 } } }\n",
    );
    expect(configError({ LLM_GATEWAY_CONFIG: zero })).toMatch(
      /rate_limits\.projects\.team-a\.agents\.bot-1\.tokens_per_minute: must be 1 or more/,
    );
    const typo = writeConfigFile("rate_limits:\n  projects:\n    team-a: { tokens_per_minut: 5 }\n");
    expect(configError({ LLM_GATEWAY_CONFIG: typo })).toMatch(
      /rate_limits\.projects\.team-a: Unrecognized key: "tokens_per_minut"/,
    );
  });

  it("takes model aliases from the file in place of the default Claude ones, and checks their targets", () => {
    expect(loadConfig({}).modelAliases[0]).toEqual({ pattern: "claude-opus-*", target: "reasoning" });
    const own = writeConfigFile('model_aliases:\n  - { pattern: "claude-*", target: claude-haiku }\n');
    expect(loadConfig({ LLM_GATEWAY_CONFIG: own }).modelAliases).toEqual([
      { pattern: "claude-*", target: "claude-haiku" },
    ]);
    const dangling = writeConfigFile('model_aliases:\n  - { pattern: "claude-*", target: poetry }\n');
    expect(configError({ LLM_GATEWAY_CONFIG: dangling })).toMatch(
      /model_aliases\.0\.target names "poetry", which is neither a model group nor a catalog model/,
    );
  });

  it("reads which catalog models take system messages inside messages; none of the defaults does", () => {
    const path = writeConfigFile(`
models:
  claude-opus-4-8:
    provider: anthropic
    provider_model_id: claude-opus-4-8
    context_window: 1000000
    max_output_tokens: 128000
    mid_conversation_system_messages: true
    price_per_mtok: { input: 5, output: 25 }
`);
    const config = loadConfig({ LLM_GATEWAY_CONFIG: path });
    expect(config.catalog["claude-opus-4-8"]?.midConversationSystemMessages).toBe(true);
    const defaults = Object.values(loadConfig({}).catalog);
    expect(defaults.filter((model) => model.midConversationSystemMessages)).toEqual([]);
    const notBoolean = writeConfigFile(
      "models:\n  m: { provider: anthropic, provider_model_id: m, context_window: 1, max_output_tokens: 1, mid_conversation_system_messages: yes-please, price_per_mtok: { input: 1, output: 1 } }\n",
    );
    expect(configError({ LLM_GATEWAY_CONFIG: notBoolean })).toMatch(/mid_conversation_system_messages/);
  });

  it("reads the automatic cache breakpoints opt-in and the 1-hour cache-write price, and checks the groups named", () => {
    const path = writeConfigFile(`
models:
  my-claude:
    provider: anthropic
    provider_model_id: claude-sonnet-4-5
    context_window: 200000
    max_output_tokens: 64000
    price_per_mtok: { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75, cache_write_1h: 6 }
prompt_caching:
  auto_breakpoints: { model_groups: [code], projects: [support-bot] }
`);
    const config = loadConfig({ LLM_GATEWAY_CONFIG: path });
    expect(config.autoCacheBreakpoints).toEqual({
      modelGroups: ["code"],
      projects: ["support-bot"],
      minPromptTokens: 1024,
    });
    expect(config.catalog["my-claude"]?.pricing.cacheWrite1hMicroUsdPerMtok).toBe(6_000_000);
    expect(config.catalog["claude-opus-4-5"]?.pricing.cacheWrite1hMicroUsdPerMtok).toBe(10_000_000);
    expect(loadConfig({}).autoCacheBreakpoints).toBeUndefined();

    const unknownGroup = writeConfigFile("prompt_caching:\n  auto_breakpoints: { model_groups: [cod] }\n");
    expect(configError({ LLM_GATEWAY_CONFIG: unknownGroup })).toMatch(
      /prompt_caching\.auto_breakpoints\.model_groups\.0 names "cod", which is not a model group/,
    );
  });

  it("reads the date and source a model's prices were imported from, and refuses a date that is not YYYY-MM-DD", () => {
    const entry = (asOf: string) => `
models:
  my-gpt:
    provider: openai
    provider_model_id: gpt-4o
    context_window: 128000
    max_output_tokens: 16384
    price_per_mtok: { input: 2.5, output: 10 }
    prices_as_of: ${asOf}
    prices_source: models.dev
`;
    const config = loadConfig({ LLM_GATEWAY_CONFIG: writeConfigFile(entry('"2026-12-07"')) });
    expect(config.catalog["my-gpt"]).toMatchObject({ pricesAsOf: "2026-12-07", pricesSource: "models.dev" });
    expect(config.catalog["gpt-4o"]?.pricesAsOf).toBeUndefined();
    expect(configError({ LLM_GATEWAY_CONFIG: writeConfigFile(entry('"7 Dec 2026"')) })).toMatch(
      /models\.my-gpt\.prices_as_of: expected a date as YYYY-MM-DD/,
    );
  });

  it("gives every provider timeouts by default (15 s streamed first byte, 5 min of silence, 10 min for a non-streamed answer), the idle one set by LLM_GATEWAY_IDLE_TIMEOUT_SECONDS, overridable per provider", () => {
    expect(loadConfig({}).providers.openai?.timeouts).toEqual({
      connectMs: 5_000,
      firstByteMs: 15_000,
      answerMs: 600_000,
      idleMs: 300_000,
    });
    expect(loadConfig({ LLM_GATEWAY_IDLE_TIMEOUT_SECONDS: "42" }).providers.anthropic?.timeouts.idleMs).toBe(
      42_000,
    );
    const file = writeConfigFile(
      "providers:\n  openai: { first_byte_timeout_ms: 2000, answer_timeout_ms: 300000, idle_timeout_ms: 90000 }\n",
    );
    expect(
      loadConfig({ LLM_GATEWAY_CONFIG: file, LLM_GATEWAY_IDLE_TIMEOUT_SECONDS: "42" }).providers.openai
        ?.timeouts,
    ).toEqual({
      connectMs: 5_000,
      firstByteMs: 2_000,
      answerMs: 300_000,
      idleMs: 90_000,
    });
  });

  it("bounds a whole call (1 h) and paces MCP progress (10 s) by default, both set from the environment", () => {
    expect(loadConfig({})).toMatchObject({ maxCallMs: 3_600_000, progressIntervalMs: 10_000 });
    expect(
      loadConfig({ LLM_GATEWAY_MAX_CALL_SECONDS: "90", LLM_GATEWAY_PROGRESS_INTERVAL_SECONDS: "2" }),
    ).toMatchObject({ maxCallMs: 90_000, progressIntervalMs: 2_000 });
    expect(configError({ LLM_GATEWAY_PROGRESS_INTERVAL_SECONDS: "0" })).toMatch(/PROGRESS_INTERVAL_SECONDS/);
  });

  it("reads hedging per model group with its floor and sample minimum, and checks the groups named", () => {
    expect(loadConfig({}).hedging).toBeUndefined();
    const file = writeConfigFile("hedging: { model_groups: [reasoning, fast], floor_ms: 1500 }\n");
    expect(loadConfig({ LLM_GATEWAY_CONFIG: file }).hedging).toEqual({
      modelGroups: ["reasoning", "fast"],
      floorMs: 1_500,
      minSamples: 20,
    });
    const unknownGroup = writeConfigFile("hedging: { model_groups: [reasonin] }\n");
    expect(configError({ LLM_GATEWAY_CONFIG: unknownGroup })).toMatch(
      /hedging\.model_groups\.0 names "reasonin", which is not a model group/,
    );
    expect(configError({ LLM_GATEWAY_CONFIG: writeConfigFile("hedging: { model_groups: [] }\n") })).toMatch(
      /hedging\.model_groups/,
    );
  });

  it("reads the response cache: on for deterministic requests by default, env over file, groups and projects checked", () => {
    expect(loadConfig({}).responseCache).toEqual({
      maxBytes: 256 * 1024 * 1024,
      sharedAcrossProjects: false,
      defaults: { enabled: true, ttlMs: 3_600_000, nondeterministic: false, toolCalls: false },
      modelGroups: {},
      projects: {},
    });
    const file = writeConfigFile(`
cache:
  ttl_seconds: 600
  max_megabytes: 8
  shared_across_projects: true
  model_groups: { fast: { cache_nondeterministic: true } }
  projects:
    evals: { ttl_seconds: 86400, cache_tool_calls: true, semantic: { threshold: 0.95 } }
    live: { enabled: false }
`);
    const config = loadConfig({
      LLM_GATEWAY_CONFIG: file,
      LLM_GATEWAY_CACHE_TTL_SECONDS: "120",
    }).responseCache;
    expect(config).toMatchObject({
      maxBytes: 8 * 1024 * 1024,
      sharedAcrossProjects: true,
      defaults: { enabled: true, ttlMs: 120_000 },
      modelGroups: { fast: { nondeterministic: true } },
      projects: {
        evals: { ttlMs: 86_400_000, toolCalls: true, semantic: { threshold: 0.95, modelGroup: "embedding" } },
        live: { enabled: false },
      },
    });
    expect(loadConfig({ LLM_GATEWAY_CACHE: "false" }).responseCache.defaults.enabled).toBe(false);
    expect(
      configError({
        LLM_GATEWAY_CONFIG: writeConfigFile("cache: { model_groups: { fastt: { ttl_seconds: 5 } } }\n"),
      }),
    ).toMatch(/cache\.model_groups\.fastt is not a model group/);
    expect(
      configError({
        LLM_GATEWAY_CONFIG: writeConfigFile("cache: { projects: { p: { semantic: { threshold: 2 } } } }\n"),
      }),
    ).toMatch(/cache\.projects\.p\.semantic\.threshold/);
    expect(configError({ LLM_GATEWAY_CONFIG: writeConfigFile("cache: { ttl_secs: 5 }\n") })).toMatch(/cache/);
  });

  it("refuses malformed LLM_GATEWAY_API_KEYS entries", () => {
    expect(configError({ LLM_GATEWAY_API_KEYS: "short=team-a" })).toMatch(/entry 1: expected KEY=PROJECT/);
    expect(configError({ LLM_GATEWAY_API_KEYS: "gw-0123456789abcdef=team a" })).toMatch(
      /project ids must be/,
    );
    expect(configError({ LLM_GATEWAY_API_KEYS: "gw-0123456789abcdef=team-a@" })).toMatch(
      /entry 1: agent ids must be 1-128 characters of \[A-Za-z0-9._:-\], got none/,
    );
    expect(configError({ LLM_GATEWAY_API_KEYS: "gw-0123456789abcdef=team-a@bot 1" })).toMatch(
      /agent ids must be .*, got "bot 1"/,
    );
    expect(configError({ LLM_GATEWAY_API_KEYS: "gw-0123456789abcdef=team-a@bot-1@bot-2" })).toMatch(
      /entry 1: expected KEY=PROJECT.*@AGENT/,
    );
  });

  it("serves with one process unless workers are set, from env or file; auto is the core count", () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ LLM_GATEWAY_WORKERS: "4" }).workers).toBe(4);
    expect(loadConfig({ LLM_GATEWAY_WORKERS: "auto" }).workers).toBe(availableParallelism());
    expect(loadConfig({ LLM_GATEWAY_CONFIG: writeConfigFile("server: { workers: 3 }\n") }).workers).toBe(3);
    expect(loadConfig({ LLM_GATEWAY_CONFIG: writeConfigFile("server: { workers: auto }\n") }).workers).toBe(
      availableParallelism(),
    );
    expect(configError({ LLM_GATEWAY_WORKERS: "0" })).toMatch(/LLM_GATEWAY_WORKERS/);
    expect(configError({ LLM_GATEWAY_WORKERS: "many" })).toMatch(/LLM_GATEWAY_WORKERS/);
  });

  it("bounds receiving a request: headers 10 s and the whole request 60 s by default, from env or file", () => {
    expect(loadConfig({})).toMatchObject({ headersTimeoutMs: 10_000, bodyTimeoutMs: 60_000 });
    expect(loadConfig({}).maxConnections).toBeUndefined();
    expect(
      loadConfig({
        LLM_GATEWAY_HEADERS_TIMEOUT_SECONDS: "3",
        LLM_GATEWAY_BODY_TIMEOUT_SECONDS: "20",
        LLM_GATEWAY_MAX_CONNECTIONS: "500",
      }),
    ).toMatchObject({ headersTimeoutMs: 3_000, bodyTimeoutMs: 20_000, maxConnections: 500 });
    const file = writeConfigFile(
      "server: { headers_timeout_seconds: 5, body_timeout_seconds: 30, max_connections: 2000 }\n",
    );
    expect(loadConfig({ LLM_GATEWAY_CONFIG: file })).toMatchObject({
      headersTimeoutMs: 5_000,
      bodyTimeoutMs: 30_000,
      maxConnections: 2000,
    });
    // A body timeout under the default headers timeout lowers that default with it.
    expect(loadConfig({ LLM_GATEWAY_BODY_TIMEOUT_SECONDS: "4" })).toMatchObject({
      headersTimeoutMs: 4_000,
      bodyTimeoutMs: 4_000,
    });
    expect(
      configError({ LLM_GATEWAY_HEADERS_TIMEOUT_SECONDS: "30", LLM_GATEWAY_BODY_TIMEOUT_SECONDS: "20" }),
    ).toMatch(/headers timeout \(30 s.*must not exceed the body timeout \(20 s/);
    expect(configError({ LLM_GATEWAY_MAX_CONNECTIONS: "0" })).toMatch(
      /LLM_GATEWAY_MAX_CONNECTIONS.*at least 1/,
    );
    expect(configError({ LLM_GATEWAY_BODY_TIMEOUT_SECONDS: "soon" })).toMatch(
      /LLM_GATEWAY_BODY_TIMEOUT_SECONDS/,
    );
  });

  it("pins a client key's agent ids, in LLM_GATEWAY_API_KEYS after @ and in the file as agents", () => {
    const path = writeConfigFile(`
client_keys:
  - { key: "gw-file-key-0123456789ab", projects: [team-b], agents: [etl-1] }
  - { key: "gw-file-key-ba9876543210", projects: "*" }
`);
    const config = loadConfig({
      LLM_GATEWAY_CONFIG: path,
      // A key may contain "=" and "@": the projects start after the last "=".
      LLM_GATEWAY_API_KEYS: "gw-a=b@c-0123456789ab=team-a|team-c@bot-1|bot-2,gw-admin-0123456789abcdef=*@ops",
    });
    expect(config.clientKeys).toEqual([
      {
        name: "env-key-1",
        key: "gw-a=b@c-0123456789ab",
        projects: ["team-a", "team-c"],
        agents: ["bot-1", "bot-2"],
      },
      { name: "env-key-2", key: "gw-admin-0123456789abcdef", projects: "*", agents: ["ops"] },
      { name: "file-key-1", key: "gw-file-key-0123456789ab", projects: ["team-b"], agents: ["etl-1"] },
      { name: "file-key-2", key: "gw-file-key-ba9876543210", projects: "*" },
    ]);
    expect(config.clientKeys[3]).not.toHaveProperty("agents");
    const empty = writeConfigFile(
      `client_keys:\n  - { key: "gw-file-key-0123456789ab", projects: "*", agents: [] }\n`,
    );
    expect(configError({ LLM_GATEWAY_CONFIG: empty })).toMatch(
      /client_keys\.0\.agents: list at least one agent id/,
    );
  });
});
