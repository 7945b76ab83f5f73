import type { AlertsConfig } from "../config/alerts-config.js";
import type { Attempt } from "../routing/attempt.js";
import type { Alert } from "./alert.js";
import { formatPercent } from "./alert.js";
import type { AlertGate } from "./alert-gate.js";
import { ErrorRateWindow } from "./error-rate-window.js";

/**
 * A provider failing too often: its failed attempts over all its answered attempts in the rolling
 * window (this replica's traffic), once there are at least `minAttempts`. Skipped deployments
 * (open circuit, unsupported request) say nothing about the provider and the caller's own 400s
 * are not its failure, so neither counts. One alert per provider per cooldown across replicas.
 */
export class ProviderErrorRateAlerts {
  readonly #windows = new Map<string, ErrorRateWindow>();

  constructor(
    private readonly options: {
      errorRate: AlertsConfig["errorRate"];
      cooldownMs: number;
      gate: AlertGate;
      send: (alert: Alert) => void;
      now?: () => number;
    },
  ) {}

  attemptsMade(attempts: Attempt[]): void {
    const now = (this.options.now ?? Date.now)();
    const touched = new Set<string>();
    for (const attempt of attempts) {
      if (attempt.outcome !== "success" && attempt.outcome !== "failed") continue;
      let window = this.#windows.get(attempt.provider);
      if (!window) {
        window = new ErrorRateWindow(this.options.errorRate.windowMs);
        this.#windows.set(attempt.provider, window);
      }
      window.record(attempt.outcome === "failed", now);
      if (attempt.outcome === "failed") touched.add(attempt.provider);
    }
    for (const provider of touched) this.#check(provider, now);
  }

  #check(provider: string, now: number): void {
    const { threshold, minAttempts, windowMs } = this.options.errorRate;
    const { attempts, failures } = (this.#windows.get(provider) as ErrorRateWindow).totals(now);
    if (attempts < minAttempts || failures / attempts < threshold) return;
    const rate = failures / attempts;
    void this.options.gate.once(`provider_error_rate:${provider}`, this.options.cooldownMs).then((won) => {
      if (!won) return;
      const minutes = Math.round(windowMs / 6_000) / 10;
      this.options.send({
        kind: "provider_error_rate",
        severity: "warning",
        title: `Provider ${provider}: ${formatPercent(rate)} of attempts failed`,
        details: `${failures} of the last ${attempts} attempts on ${provider} failed in ${minutes} min (threshold ${formatPercent(threshold)}). Requests fail over to the next deployment of their chain.`,
        subject: { provider },
        values: {
          error_rate: Math.round(rate * 10_000) / 10_000,
          failures,
          attempts,
          threshold,
          window_seconds: windowMs / 1000,
        },
        at: new Date(now).toISOString(),
      });
    });
  }
}
