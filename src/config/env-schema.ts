import { z } from "zod";

const booleanString = z
  .enum(["true", "false", "1", "0", "yes", "no", ""], {
    error: (issue) => `expected true or false, got ${JSON.stringify(issue.input)}`,
  })
  .transform((value) => value === "true" || value === "1" || value === "yes");

function integerString(min: number, max: number) {
  return z
    .string()
    .regex(/^\d+$/, {
      error: (issue) => `expected a whole number from ${min} to ${max}, got ${JSON.stringify(issue.input)}`,
    })
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}

const urlString = z.url({ error: (issue) => `expected an http(s) URL, got ${JSON.stringify(issue.input)}` });

/** Environment variables of DESIGN.md and the README; every one optional. */
export const envSchema = z.object({
  LLM_GATEWAY_HOST: z.string().min(1).optional(),
  LLM_GATEWAY_PORT: integerString(0, 65_535).optional(),
  LLM_GATEWAY_DEBUG: booleanString.optional(),
  LLM_GATEWAY_OTEL_CAPTURE_CONTENT: booleanString.optional(),
  LLM_GATEWAY_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  LLM_GATEWAY_DATA_DIR: z.string().min(1).optional(),
  LLM_GATEWAY_CONVERSATION_TTL_SECONDS: integerString(1, 366 * 86_400).optional(),
  LLM_GATEWAY_JOB_TTL_SECONDS: integerString(60, 366 * 86_400).optional(),
  LLM_GATEWAY_REQUEST_RETENTION_DAYS: integerString(1, 366).optional(),
  LLM_GATEWAY_REQUEST_MAX_ROWS: integerString(1, 100_000_000).optional(),
  LLM_GATEWAY_REQUEST_BODIES: booleanString.optional(),
  LLM_GATEWAY_REDIS_URL: z.string().min(1).optional(),
  LLM_GATEWAY_REDIS_CLUSTER: booleanString.optional(),
  LLM_GATEWAY_REDIS_KEY_PREFIX: z.string().min(1).optional(),
  LLM_GATEWAY_CONFIG: z.string().min(1).optional(),
  LLM_GATEWAY_API_KEYS: z.string().optional(),
  LLM_GATEWAY_ALLOW_UNAUTHENTICATED: booleanString.optional(),
  LLM_GATEWAY_BUDGETS_FAIL_CLOSED: booleanString.optional(),
  LLM_GATEWAY_ALLOWED_ORIGINS: z.string().optional(),
  LLM_GATEWAY_BODY_LIMIT_BYTES: integerString(1024, 1024 * 1024 * 1024).optional(),
  LLM_GATEWAY_REQUEST_TIMEOUT_SECONDS: integerString(1, 3600).optional(),
  LLM_GATEWAY_IDLE_TIMEOUT_SECONDS: integerString(1, 86_400).optional(),
  LLM_GATEWAY_MAX_CALL_SECONDS: integerString(1, 86_400).optional(),
  LLM_GATEWAY_PROVIDER_STREAMING: z.enum(["always", "as_requested"]).optional(),
  LLM_GATEWAY_PROGRESS_INTERVAL_SECONDS: integerString(1, 3600).optional(),
  LLM_GATEWAY_MCP_MAX_RESULT_TOKENS: integerString(100, 10_000_000).optional(),
  LLM_GATEWAY_MCP_RESULT_TTL_SECONDS: integerString(1, 604_800).optional(),
  LLM_GATEWAY_HEADERS_TIMEOUT_SECONDS: integerString(1, 3600).optional(),
  LLM_GATEWAY_BODY_TIMEOUT_SECONDS: integerString(1, 3600).optional(),
  LLM_GATEWAY_MAX_CONNECTIONS: integerString(1, 1_000_000).optional(),
  LLM_GATEWAY_WORKERS: z
    .union([z.literal("auto"), integerString(1, 1024)], {
      error: (issue) =>
        `expected a whole number from 1 to 1024 or "auto", got ${JSON.stringify(issue.input)}`,
    })
    .optional(),
  LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: integerString(1, 1000).optional(),
  LLM_GATEWAY_CIRCUIT_COOLDOWN_SECONDS: integerString(1, 86_400).optional(),
  LLM_GATEWAY_MAX_RETRIES: integerString(0, 10).optional(),
  LLM_GATEWAY_RETRY_AFTER_CAP_SECONDS: integerString(0, 600).optional(),
  // Alerts: checked by buildAlertsConfig, which names the entry at fault (and never shows a webhook's path).
  LLM_GATEWAY_ALERT_WEBHOOK_URLS: z.string().optional(),
  LLM_GATEWAY_ALERT_BUDGET_THRESHOLDS: z.string().optional(),
  LLM_GATEWAY_ALERT_KEY_EXPIRY_HOURS: z.string().optional(),
  LLM_GATEWAY_ALERT_ERROR_RATE_THRESHOLD: z.string().optional(),
  LLM_GATEWAY_ALERT_COOLDOWN_SECONDS: z.string().optional(),
  LLM_GATEWAY_CACHE: booleanString.optional(),
  LLM_GATEWAY_CACHE_TTL_SECONDS: integerString(1, 366 * 86_400).optional(),
  LLM_GATEWAY_CACHE_MAX_MB: integerString(1, 1_000_000).optional(),
  ANTHROPIC_API_KEY: z.string().optional(),
  OPENAI_API_KEY: z.string().optional(),
  GOOGLE_API_KEY: z.string().optional(),
  DEEPSEEK_API_KEY: z.string().optional(),
  VOYAGE_API_KEY: z.string().optional(),
  ANTHROPIC_BASE_URL: urlString.optional(),
  OPENAI_BASE_URL: urlString.optional(),
  GOOGLE_BASE_URL: urlString.optional(),
  DEEPSEEK_BASE_URL: urlString.optional(),
  VOYAGE_BASE_URL: urlString.optional(),
  // Preset kinds (provider-presets.ts): read only for a provider entry of that kind.
  MISTRAL_API_KEY: z.string().optional(),
  GROQ_API_KEY: z.string().optional(),
  XAI_API_KEY: z.string().optional(),
  OPENROUTER_API_KEY: z.string().optional(),
  TOGETHER_API_KEY: z.string().optional(),
  FIREWORKS_API_KEY: z.string().optional(),
  MISTRAL_BASE_URL: urlString.optional(),
  GROQ_BASE_URL: urlString.optional(),
  XAI_BASE_URL: urlString.optional(),
  OPENROUTER_BASE_URL: urlString.optional(),
  TOGETHER_BASE_URL: urlString.optional(),
  FIREWORKS_BASE_URL: urlString.optional(),
  OLLAMA_BASE_URL: urlString.optional(),
  // Azure OpenAI, as the official SDK's AzureOpenAI reads them (OPENAI_API_VERSION is its api-version variable).
  AZURE_OPENAI_API_KEY: z.string().optional(),
  AZURE_OPENAI_ENDPOINT: urlString.optional(),
  AZURE_OPENAI_AD_TOKEN: z.string().optional(),
  AZURE_OPENAI_API_VERSION: z.string().min(1).optional(),
  OPENAI_API_VERSION: z.string().min(1).optional(),
  // An Entra ID app's client credentials, under azure-identity's names (EnvironmentCredential).
  AZURE_TENANT_ID: z.string().min(1).optional(),
  AZURE_CLIENT_ID: z.string().min(1).optional(),
  AZURE_CLIENT_SECRET: z.string().min(1).optional(),
  AZURE_AUTHORITY_HOST: urlString.optional(),
  VLLM_BASE_URL: urlString.optional(),
  LMSTUDIO_BASE_URL: urlString.optional(),
  // Kind bedrock (bedrock-provider-settings.ts), named as the AWS SDKs name them.
  AWS_REGION: z.string().optional(),
  AWS_DEFAULT_REGION: z.string().optional(),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  AWS_SESSION_TOKEN: z.string().optional(),
  AWS_BEARER_TOKEN_BEDROCK: z.string().optional(),
  AWS_ENDPOINT_URL_BEDROCK_RUNTIME: urlString.optional(),
  BEDROCK_BASE_URL: urlString.optional(),
  // Vertex AI (kinds vertex, vertex-anthropic), the variables Google's own SDKs read.
  GOOGLE_APPLICATION_CREDENTIALS: z.string().optional(),
  GOOGLE_CLOUD_PROJECT: z.string().optional(),
  GOOGLE_CLOUD_LOCATION: z.string().optional(),
  VERTEX_BASE_URL: urlString.optional(),
});

export type GatewayEnv = z.infer<typeof envSchema>;
