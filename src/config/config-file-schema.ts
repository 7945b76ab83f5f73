import { z } from "zod";
import { balancingStrategies } from "../core/deployment-settings.js";
import { providerKinds } from "../core/provider-adapter.js";
import { alertsFileSchema } from "./alerts-config.js";
import { cacheFileSchema } from "./response-cache-config.js";

/** Project and agent ids: DESIGN.md's identifier pattern. */
export const identifierPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The optional YAML file (`LLM_GATEWAY_CONFIG`). Unknown keys are errors, so typos are caught. Built
 * at its first use: a start without a file does not build it (that took ~6 ms of each start, issue 21).
 */
export function configFileSchema(): ReturnType<typeof buildConfigFileSchema> {
  built ??= buildConfigFileSchema();
  return built;
}

let built: ReturnType<typeof buildConfigFileSchema> | undefined;

function buildConfigFileSchema() {
  const identifier = z.string().regex(identifierPattern, "expected 1-128 characters of [A-Za-z0-9._:-]");

  const usd = z.number().nonnegative("must be zero or more").max(1_000_000_000);
  const pricePerMtok = z
    .number()
    .nonnegative("must be zero or more")
    .refine((value) => Math.abs(value * 1e6 - Math.round(value * 1e6)) < 1e-6, "at most 6 decimal places");

  const pricesPerMtok = z.strictObject({
    input: pricePerMtok,
    output: pricePerMtok,
    cached_input: pricePerMtok.optional(),
    cache_write: pricePerMtok.optional(),
    cache_write_1h: pricePerMtok.optional(),
  });

  const balancingStrategy = z.enum(balancingStrategies);

  /** A per-minute limit: a whole number from 1, far below where Redis's Lua doubles lose integers. */
  const perMinute = z.number().int("must be a whole number").min(1, "must be 1 or more").max(1e12);
  const budgetLimits = z.strictObject({ daily_usd: usd.optional(), monthly_usd: usd.optional() });

  return z.strictObject({
    server: z
      .strictObject({
        host: z.string().min(1).optional(),
        port: z.number().int().min(0).max(65_535).optional(),
        body_limit_bytes: z.number().int().min(1024).optional(),
        allowed_origins: z.array(z.string().min(1)).optional(),
        allowed_hosts: z.array(z.string().min(1)).optional(),
        request_timeout_seconds: z.number().positive().max(3600).optional(),
        provider_streaming: z.enum(["always", "as_requested"]).optional(),
        conversation_ttl_seconds: z
          .number()
          .int()
          .positive()
          .max(366 * 86_400)
          .optional(),
        headers_timeout_seconds: z.number().positive().max(3600).optional(),
        body_timeout_seconds: z.number().positive().max(3600).optional(),
        max_connections: z.number().int().min(1).max(1_000_000).optional(),
        shutdown_timeout_seconds: z.number().positive().max(600).optional(),
        /** Processes serving the port (node:cluster): a count, or "auto" for one per core. */
        workers: z.union([z.number().int().min(1).max(1024), z.literal("auto")]).optional(),
        /** The request explorer: days kept, rows kept, whether bodies are kept (redacted). */
        request_retention_days: z.number().int().min(1).max(366).optional(),
        request_max_rows: z.number().int().min(1).max(100_000_000).optional(),
        request_bodies: z.boolean().optional(),
      })
      .optional(),
    providers: z
      .record(
        identifier,
        z.strictObject({
          kind: z.enum(providerKinds).optional(),
          api_key: z.string().optional(),
          base_url: z.url().optional(),
          connect_timeout_ms: z.number().int().positive().optional(),
          first_byte_timeout_ms: z.number().int().positive().optional(),
          answer_timeout_ms: z.number().int().positive().optional(),
          idle_timeout_ms: z.number().int().positive().optional(),
          /** OpenRouter's app attribution (openrouter.ai/docs/features/app-attribution): `HTTP-Referer`. */
          app_url: z.url().optional(),
          /** OpenRouter's app attribution: `X-OpenRouter-Title` (and the older `X-Title`). */
          app_title: z.string().min(1).max(200).optional(),
          /** Kind bedrock: region and AWS access keys (`api_key` is a Bedrock API key). */
          bedrock: z
            .strictObject({
              region: z
                .string()
                .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "an AWS region such as us-east-1")
                .optional(),
              access_key_id: z.string().min(1).optional(),
              secret_access_key: z.string().min(1).optional(),
              session_token: z.string().min(1).optional(),
            })
            .optional(),
          /** Azure OpenAI: a dated api-version (`2024-10-21`, `2025-04-01-preview`) or `v1`. */
          api_version: z.string().min(1).optional(),
          /** Azure OpenAI: a Microsoft Entra ID access token, sent as a bearer token instead of `api_key`. */
          azure_ad_token: z.string().min(1).optional(),
          /** Azure OpenAI: an Entra ID app (service principal) whose tokens the gateway fetches and renews. */
          azure_tenant_id: z.string().min(1).optional(),
          azure_client_id: z.string().min(1).optional(),
          azure_client_secret: z.string().min(1).optional(),
          /** The Entra ID authority, `https://login.microsoftonline.com` unless a sovereign cloud's. */
          azure_authority_host: z.url().optional(),
          /** Vertex AI (kinds vertex, vertex-anthropic): Google Cloud project id. */
          project: z.string().min(1).optional(),
          /** Vertex AI: region (`us-east5`) or `global`. */
          location: z
            .string()
            .regex(/^[a-z0-9-]+$/)
            .optional(),
          /** Vertex AI: a service-account JSON key file. */
          credentials_file: z.string().min(1).optional(),
        }),
      )
      .optional(),
    models: z
      .record(
        z.string().min(1),
        z.strictObject({
          kind: z.enum(["chat", "embedding"]).default("chat"),
          provider: identifier,
          provider_model_id: z.string().min(1),
          context_window: z.number().int().positive(),
          max_output_tokens: z.number().int().nonnegative(),
          uses_max_completion_tokens: z.boolean().optional(),
          mid_conversation_system_messages: z.boolean().optional(),
          price_per_mtok: pricesPerMtok,
          /** When and from which list `llm-gateway prices import` took the prices (see README "Prices"). */
          prices_as_of: z.iso.date("expected a date as YYYY-MM-DD").optional(),
          prices_source: z.string().min(1).max(200).optional(),
        }),
      )
      .optional(),
    /**
     * Catalog models (default or from `models`) served by several deployments: accounts, regions,
     * platforms. The list is the model's deployments in full (it replaces the model's `provider`);
     * each takes the catalog's provider model id and prices unless it gives its own.
     */
    deployments: z
      .record(
        z.string().min(1),
        z
          .array(
            z.strictObject({
              provider: identifier,
              provider_model_id: z.string().min(1).optional(),
              weight: z.number().positive("must be more than zero").max(1_000_000).optional(),
              price_per_mtok: pricesPerMtok.optional(),
            }),
          )
          .min(1, "a model needs at least one deployment"),
      )
      .optional(),
    /** How the deployments of one chain step share traffic (README "Deployments"). */
    routing: z
      .strictObject({
        strategy: balancingStrategy.optional(),
        model_groups: z.record(identifier, balancingStrategy).optional(),
      })
      .optional(),
    model_groups: z
      .record(identifier, z.array(z.string().min(1)).min(1, "a group needs at least one model"))
      .optional(),
    /**
     * Model names a client may send that are neither a group nor a catalog model
     * (Claude Code's dated Claude ids): glob patterns (`*`, `?`) tried in order,
     * each naming a group or a catalog model. Replaces the default list.
     */
    model_aliases: z
      .array(
        z.strictObject({
          pattern: z.string().min(1).max(256),
          target: z.string().min(1),
        }),
      )
      .optional(),
    circuit: z
      .strictObject({
        failure_threshold: z.number().int().min(1).optional(),
        cooldown_seconds: z.number().positive().optional(),
      })
      .optional(),
    retry: z
      .strictObject({
        max_retries: z.number().int().min(0).max(10).optional(),
        retry_after_cap_seconds: z.number().min(0).max(600).optional(),
        base_delay_ms: z.number().int().min(0).max(60_000).optional(),
      })
      .optional(),
    budgets: z
      .strictObject({
        fail_closed: z.boolean().optional(),
        projects: z.record(
          identifier,
          budgetLimits.extend({ agents: z.record(identifier, budgetLimits).optional() }),
        ),
      })
      .optional(),
    /** Requests (rpm) and tokens (tpm: input + output) per UTC minute; see README "Rate limits". */
    rate_limits: z
      .strictObject({
        default_project_rpm: perMinute.optional(),
        default_agent_rpm: perMinute.optional(),
        default_project_tpm: perMinute.optional(),
        default_agent_tpm: perMinute.optional(),
        projects: z
          .record(
            identifier,
            z.strictObject({
              requests_per_minute: perMinute.optional(),
              agent_requests_per_minute: perMinute.optional(),
              tokens_per_minute: perMinute.optional(),
              agent_tokens_per_minute: perMinute.optional(),
              /** One agent's own limits, over the project's agent_* ones. */
              agents: z
                .record(
                  identifier,
                  z.strictObject({
                    requests_per_minute: perMinute.optional(),
                    tokens_per_minute: perMinute.optional(),
                  }),
                )
                .optional(),
            }),
          )
          .optional(),
      })
      .optional(),
    /** Hedged streamed calls, opted into per model group (see README "Hedging"). */
    hedging: z
      .strictObject({
        model_groups: z.array(identifier).min(1),
        floor_ms: z.number().int().min(1).max(600_000).optional(),
        min_samples: z.number().int().min(1).max(1000).optional(),
      })
      .optional(),
    /** Anthropic prompt caching the gateway adds by itself, opted into per model group or project. */
    prompt_caching: z
      .strictObject({
        auto_breakpoints: z.strictObject({
          model_groups: z.array(identifier).optional(),
          projects: z.array(identifier).optional(),
          min_prompt_tokens: z.number().int().min(1).max(10_000_000).optional(),
        }),
      })
      .optional(),
    /** Webhook alerts (see README "Alerts"). */
    alerts: alertsFileSchema().optional(),
    /** The response cache (see README "Response cache"). */
    cache: cacheFileSchema(),
    client_keys: z
      .array(
        z.strictObject({
          name: z.string().min(1).optional(),
          key: z.string().min(16, "client keys must be at least 16 characters"),
          projects: z.union([z.literal("*"), z.array(identifier).min(1)]),
          agents: z.array(identifier).min(1, "list at least one agent id, or leave agents out").optional(),
        }),
      )
      .optional(),
  });
}

export type ConfigFile = z.infer<ReturnType<typeof configFileSchema>>;
