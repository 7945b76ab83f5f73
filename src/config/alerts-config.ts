import { z } from "zod";
import { ConfigError } from "./config-error.js";

export const alertKinds = [
  "budget_threshold",
  "key_expiring",
  "circuit_open",
  "provider_error_rate",
] as const;
export type AlertKind = (typeof alertKinds)[number];

/** Webhook alerts (README "Alerts"). With no webhook URL the gateway sends none. */
export interface AlertsConfig {
  /** Slack-compatible incoming webhooks; each alert goes to every one. Their paths are secrets. */
  webhookUrls: string[];
  /** The kinds sent; the others are not even computed. */
  kinds: AlertKind[];
  /** Fractions of a budget whose crossing alerts, ascending (default 0.8 and 1). */
  budgetThresholds: number[];
  /** A key whose expiry is this close is announced once. */
  keyExpiryWarningMs: number;
  /** How often key expiries are looked at. */
  keyExpiryScanIntervalMs: number;
  /** A provider's failed attempts over all its attempts in the window, above which it alerts. */
  errorRate: { threshold: number; windowMs: number; minAttempts: number };
  /** The same circuit or provider alerts at most once in this long, across replicas. */
  cooldownMs: number;
  delivery: {
    /** One POST's limit, connection to the end of the answer. */
    timeoutMs: number;
    /** Tries of one alert to one webhook, the first included. */
    maxAttempts: number;
    /** First backoff; doubled per try, with full jitter, up to `maxBackoffMs`. */
    baseBackoffMs: number;
    maxBackoffMs: number;
    /** Alerts waiting per webhook; beyond it the oldest is dropped (and counted in the log). */
    queueSize: number;
  };
}

/** The config file's `alerts:` section, built with the file's schema (only when there is a file). */
export function alertsFileSchema() {
  const webhookUrl = z
    .string()
    .refine(isHttpUrl, { error: (issue) => `expected an http(s) URL, got ${describeUrl(issue.input)}` });
  const fraction = z.number().gt(0, "must be more than 0").max(10, "must be at most 10 (1000 %)");

  return z.strictObject({
    webhook_urls: z.array(webhookUrl).max(10, "at most 10 webhooks").optional(),
    kinds: z.array(z.enum(alertKinds)).min(1, "list at least one kind, or leave kinds out").optional(),
    budget_thresholds: z.array(fraction).min(1).max(10).optional(),
    key_expiry_warning_hours: z
      .number()
      .positive()
      .max(366 * 24)
      .optional(),
    error_rate: z
      .strictObject({
        threshold: z.number().gt(0, "must be more than 0").max(1, "must be at most 1").optional(),
        window_seconds: z.number().int().min(10).max(86_400).optional(),
        min_attempts: z.number().int().min(1).max(1_000_000).optional(),
      })
      .optional(),
    cooldown_seconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .optional(),
    delivery: z
      .strictObject({
        timeout_seconds: z.number().positive().max(120).optional(),
        max_attempts: z.number().int().min(1).max(20).optional(),
        base_backoff_ms: z.number().int().min(0).max(600_000).optional(),
        max_backoff_ms: z.number().int().min(0).max(3_600_000).optional(),
        queue_size: z.number().int().min(1).max(100_000).optional(),
      })
      .optional(),
  });
}

export type AlertsFile = z.infer<ReturnType<typeof alertsFileSchema>>;

/** The environment variables of alerts (each wins over the file's field). */
export interface AlertsEnv {
  LLM_GATEWAY_ALERT_WEBHOOK_URLS?: string;
  LLM_GATEWAY_ALERT_BUDGET_THRESHOLDS?: string;
  LLM_GATEWAY_ALERT_KEY_EXPIRY_HOURS?: string;
  LLM_GATEWAY_ALERT_ERROR_RATE_THRESHOLD?: string;
  LLM_GATEWAY_ALERT_COOLDOWN_SECONDS?: string;
}

/**
 * Defaults: 80 % and 100 % of a budget; a key a week before it expires; a provider failing over half
 * of at least 20 attempts in 5 minutes (fewer attempts say little: two failures of three is noise);
 * the same circuit or provider at most every 15 minutes, so a flapping deployment does not flood a
 * channel; a POST given 5 s, tried 5 times over about half a minute.
 */
export function buildAlertsConfig(env: AlertsEnv, file: AlertsFile | undefined): AlertsConfig {
  const section = file ?? {};
  const webhookUrls = env.LLM_GATEWAY_ALERT_WEBHOOK_URLS
    ? envUrls(env.LLM_GATEWAY_ALERT_WEBHOOK_URLS)
    : (section.webhook_urls ?? []);
  const budgetThresholds = env.LLM_GATEWAY_ALERT_BUDGET_THRESHOLDS
    ? envFractions(env.LLM_GATEWAY_ALERT_BUDGET_THRESHOLDS)
    : (section.budget_thresholds ?? [0.8, 1]);
  const keyExpiryHours = env.LLM_GATEWAY_ALERT_KEY_EXPIRY_HOURS
    ? envNumber("LLM_GATEWAY_ALERT_KEY_EXPIRY_HOURS", env.LLM_GATEWAY_ALERT_KEY_EXPIRY_HOURS, 0, 366 * 24)
    : (section.key_expiry_warning_hours ?? 7 * 24);
  const threshold = env.LLM_GATEWAY_ALERT_ERROR_RATE_THRESHOLD
    ? envNumber("LLM_GATEWAY_ALERT_ERROR_RATE_THRESHOLD", env.LLM_GATEWAY_ALERT_ERROR_RATE_THRESHOLD, 0, 1)
    : (section.error_rate?.threshold ?? 0.5);
  const cooldownSeconds = env.LLM_GATEWAY_ALERT_COOLDOWN_SECONDS
    ? envNumber("LLM_GATEWAY_ALERT_COOLDOWN_SECONDS", env.LLM_GATEWAY_ALERT_COOLDOWN_SECONDS, -1, 7 * 86_400)
    : (section.cooldown_seconds ?? 900);
  const delivery = section.delivery ?? {};
  const baseBackoffMs = delivery.base_backoff_ms ?? 1_000;
  const maxBackoffMs = delivery.max_backoff_ms ?? 30_000;
  if (maxBackoffMs < baseBackoffMs) {
    throw new ConfigError(
      `Invalid configuration: alerts.delivery.max_backoff_ms (${maxBackoffMs}) must be at least alerts.delivery.base_backoff_ms (${baseBackoffMs})`,
    );
  }
  return {
    webhookUrls,
    kinds: section.kinds ? [...new Set(section.kinds)] : [...alertKinds],
    budgetThresholds: [...new Set(budgetThresholds)].sort((a, b) => a - b),
    keyExpiryWarningMs: keyExpiryHours * 3_600_000,
    keyExpiryScanIntervalMs: 60_000,
    errorRate: {
      threshold,
      windowMs: (section.error_rate?.window_seconds ?? 300) * 1000,
      minAttempts: section.error_rate?.min_attempts ?? 20,
    },
    cooldownMs: cooldownSeconds * 1000,
    delivery: {
      timeoutMs: (delivery.timeout_seconds ?? 5) * 1000,
      maxAttempts: delivery.max_attempts ?? 5,
      baseBackoffMs,
      maxBackoffMs,
      queueSize: delivery.queue_size ?? 1_000,
    },
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/** A webhook URL's path is its secret (Slack's `/services/T.../B.../xyz`): an error shows the scheme and host only. */
function describeUrl(value: unknown): string {
  if (typeof value !== "string") return typeof value;
  try {
    const url = new URL(value);
    return `"${url.protocol}//${url.host}/…"`;
  } catch {
    return "a string that is not a URL";
  }
}

function envUrls(value: string): string[] {
  const urls = value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
  urls.forEach((url, index) => {
    if (!isHttpUrl(url)) {
      throw new ConfigError(
        `Invalid configuration in the environment:\n  LLM_GATEWAY_ALERT_WEBHOOK_URLS entry ${index + 1}: expected an http(s) URL, got ${describeUrl(url)}`,
      );
    }
  });
  return urls;
}

function envFractions(value: string): number[] {
  const name = "LLM_GATEWAY_ALERT_BUDGET_THRESHOLDS";
  const items = value.split(",").map((item) => item.trim());
  return items.map((item) => {
    const fraction = envNumber(name, item, 0, 10);
    if (fraction === 0) throw envError(name, `expected fractions above 0 such as 0.8,1, got "${item}"`);
    return fraction;
  });
}

/** A number in (min, max]. */
function envNumber(name: string, value: string, min: number, max: number): number {
  const number = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(number > min && number <= max)) {
    throw envError(name, `expected a number above ${min} and at most ${max}, got ${JSON.stringify(value)}`);
  }
  return number;
}

function envError(name: string, message: string): ConfigError {
  return new ConfigError(`Invalid configuration in the environment:\n  ${name}: ${message}`);
}
