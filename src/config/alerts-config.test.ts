import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { loadConfig } from "./load-config.js";

function withFile(yaml: string): Record<string, string> {
  const path = join(mkdtempSync(join(tmpdir(), "llmgw-alerts-config-")), "gateway.yaml");
  writeFileSync(path, yaml);
  return { LLM_GATEWAY_CONFIG: path };
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

const slackUrl = "https://hooks.slack.com/services/T000/B000/secret-token-xyz";

describe("alerts configuration", () => {
  it("sends nothing by default, with documented defaults for everything else", () => {
    expect(loadConfig({}).alerts).toEqual({
      webhookUrls: [],
      kinds: ["budget_threshold", "key_expiring", "circuit_open", "provider_error_rate"],
      budgetThresholds: [0.8, 1],
      keyExpiryWarningMs: 7 * 86_400_000,
      keyExpiryScanIntervalMs: 60_000,
      errorRate: { threshold: 0.5, windowMs: 300_000, minAttempts: 20 },
      cooldownMs: 900_000,
      delivery: {
        timeoutMs: 5_000,
        maxAttempts: 5,
        baseBackoffMs: 1_000,
        maxBackoffMs: 30_000,
        queueSize: 1_000,
      },
    });
  });

  it("reads the file's alerts section", () => {
    const alerts = loadConfig(
      withFile(`alerts:
  webhook_urls: ["${slackUrl}", "http://127.0.0.1:9000/hook"]
  kinds: [circuit_open, budget_threshold]
  budget_thresholds: [1, 0.5, 0.9]
  key_expiry_warning_hours: 48
  error_rate: { threshold: 0.25, window_seconds: 60, min_attempts: 10 }
  cooldown_seconds: 60
  delivery: { timeout_seconds: 2, max_attempts: 3, base_backoff_ms: 100, max_backoff_ms: 1000, queue_size: 10 }
`),
    ).alerts;
    expect(alerts).toEqual({
      webhookUrls: [slackUrl, "http://127.0.0.1:9000/hook"],
      kinds: ["circuit_open", "budget_threshold"],
      budgetThresholds: [0.5, 0.9, 1],
      keyExpiryWarningMs: 48 * 3_600_000,
      keyExpiryScanIntervalMs: 60_000,
      errorRate: { threshold: 0.25, windowMs: 60_000, minAttempts: 10 },
      cooldownMs: 60_000,
      delivery: { timeoutMs: 2_000, maxAttempts: 3, baseBackoffMs: 100, maxBackoffMs: 1_000, queueSize: 10 },
    });
  });

  it("lets the environment win over the file", () => {
    const alerts = loadConfig({
      ...withFile(`alerts: { webhook_urls: ["http://127.0.0.1:1/file"], budget_thresholds: [0.5] }\n`),
      LLM_GATEWAY_ALERT_WEBHOOK_URLS: ` ${slackUrl} , http://127.0.0.1:2/env `,
      LLM_GATEWAY_ALERT_BUDGET_THRESHOLDS: "0.9,0.75,1",
      LLM_GATEWAY_ALERT_KEY_EXPIRY_HOURS: "24",
      LLM_GATEWAY_ALERT_ERROR_RATE_THRESHOLD: "0.3",
      LLM_GATEWAY_ALERT_COOLDOWN_SECONDS: "0",
    }).alerts;
    expect(alerts.webhookUrls).toEqual([slackUrl, "http://127.0.0.1:2/env"]);
    expect(alerts.budgetThresholds).toEqual([0.75, 0.9, 1]);
    expect(alerts.keyExpiryWarningMs).toBe(86_400_000);
    expect(alerts.errorRate.threshold).toBe(0.3);
    expect(alerts.cooldownMs).toBe(0);
  });

  it("refuses a webhook that is not http(s), naming the field without showing the URL's path", () => {
    const fromEnv = configError({
      LLM_GATEWAY_ALERT_WEBHOOK_URLS: `${slackUrl},ftp://files.example/secret-path`,
    });
    expect(fromEnv).toMatch(/LLM_GATEWAY_ALERT_WEBHOOK_URLS entry 2: expected an http\(s\) URL/);
    expect(fromEnv).not.toContain("secret-path");
    expect(configError({ LLM_GATEWAY_ALERT_WEBHOOK_URLS: "not a url" })).toMatch(
      /LLM_GATEWAY_ALERT_WEBHOOK_URLS entry 1/,
    );
    const fromFile = configError(withFile(`alerts: { webhook_urls: ["file:///etc/secret-path"] }\n`));
    expect(fromFile).toMatch(/alerts\.webhook_urls\.0: expected an http\(s\) URL/);
    expect(fromFile).not.toContain("secret-path");
  });

  it("names each bad field", () => {
    expect(configError({ LLM_GATEWAY_ALERT_BUDGET_THRESHOLDS: "0.8,eighty" })).toMatch(
      /LLM_GATEWAY_ALERT_BUDGET_THRESHOLDS: expected a number/,
    );
    expect(configError({ LLM_GATEWAY_ALERT_BUDGET_THRESHOLDS: "0" })).toMatch(
      /LLM_GATEWAY_ALERT_BUDGET_THRESHOLDS/,
    );
    expect(configError({ LLM_GATEWAY_ALERT_ERROR_RATE_THRESHOLD: "1.5" })).toMatch(
      /LLM_GATEWAY_ALERT_ERROR_RATE_THRESHOLD: expected a number above 0 and at most 1/,
    );
    expect(configError({ LLM_GATEWAY_ALERT_KEY_EXPIRY_HOURS: "-1" })).toMatch(
      /LLM_GATEWAY_ALERT_KEY_EXPIRY_HOURS/,
    );
    expect(configError({ LLM_GATEWAY_ALERT_COOLDOWN_SECONDS: "soon" })).toMatch(
      /LLM_GATEWAY_ALERT_COOLDOWN_SECONDS/,
    );
    expect(configError(withFile("alerts: { budget_thresholds: [0] }\n"))).toMatch(
      /alerts\.budget_thresholds\.0: must be more than 0/,
    );
    expect(configError(withFile("alerts: { error_rate: { threshold: 2 } }\n"))).toMatch(
      /alerts\.error_rate\.threshold: must be at most 1/,
    );
    expect(configError(withFile("alerts: { error_rate: { min_attempts: 0 } }\n"))).toMatch(
      /alerts\.error_rate\.min_attempts/,
    );
    expect(configError(withFile("alerts: { kinds: [budget_exceeded] }\n"))).toMatch(/alerts\.kinds\.0/);
    expect(configError(withFile("alerts: { webhook: x }\n"))).toMatch(/alerts.*webhook/);
    expect(
      configError(withFile("alerts: { delivery: { base_backoff_ms: 5000, max_backoff_ms: 1000 } }\n")),
    ).toMatch(/alerts\.delivery\.max_backoff_ms/);
  });
});
