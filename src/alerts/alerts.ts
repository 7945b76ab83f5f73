import type { Logger } from "pino";
import type { AlertsConfig } from "../config/alerts-config.js";
import type { FinishedRequest, GatewayObserver } from "../gateway/request-observer.js";
import type { CircuitTransition } from "../routing/circuit-breaker.js";
import type { Alert } from "./alert.js";
import type { AlertDedupe } from "./alert-dedupe.js";
import { AlertGate } from "./alert-gate.js";
import { BudgetAlerts, type BudgetStandingEvent } from "./budget-alerts.js";
import { CircuitOpenAlerts } from "./circuit-open-alerts.js";
import { type ExpiringKeySource, KeyExpiryAlerts } from "./key-expiry-alerts.js";
import { ProviderErrorRateAlerts } from "./provider-error-rate-alerts.js";
import { WebhookDispatcher } from "./webhook-dispatcher.js";

export interface AlertsOptions {
  config: AlertsConfig;
  logger: Logger;
  /** Names the gateway in each message: "llm-gateway 0.1.0". */
  source: string;
  /** Who sends an alert when several replicas see the same event. */
  dedupe: AlertDedupe;
  /** The keys whose expiry is watched. */
  keySource: ExpiringKeySource;
  /** How long an open circuit stays open (config.circuit.cooldownMs), quoted in its alert. */
  circuitCooldownMs: number;
  /** Tests: the clock, and the dispatcher's backoff wait and jitter. */
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
}

/**
 * Webhook alerts: budget thresholds, keys nearing expiry, circuits opening and providers' error
 * rates. A gateway observer (circuits, attempts) plus `budgetSettled` for the budget standings.
 * Nothing here waits on a webhook: alerts are queued and delivered in the background.
 */
export class Alerts implements GatewayObserver {
  readonly #dispatcher: WebhookDispatcher;
  readonly #gate: AlertGate;
  readonly #budgets: BudgetAlerts | undefined;
  readonly #circuits: CircuitOpenAlerts | undefined;
  readonly #errorRates: ProviderErrorRateAlerts | undefined;
  readonly #keyExpiry: KeyExpiryAlerts | undefined;

  constructor(options: AlertsOptions) {
    const { config, logger } = options;
    const now = options.now ?? (() => Date.now());
    this.#dispatcher = new WebhookDispatcher({
      urls: config.webhookUrls,
      delivery: config.delivery,
      logger,
      source: options.source,
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.random ? { random: options.random } : {}),
    });
    this.#gate = new AlertGate(options.dedupe, now);
    const send = (alert: Alert) => {
      logger.info(
        { alert: alert.kind, severity: alert.severity, title: alert.title },
        `alert: ${alert.title}`,
      );
      this.#dispatcher.send(alert);
    };
    const common = { gate: this.#gate, send, now };
    const kinds = new Set(config.kinds);
    this.#budgets = kinds.has("budget_threshold")
      ? new BudgetAlerts({ ...common, thresholds: config.budgetThresholds })
      : undefined;
    this.#circuits = kinds.has("circuit_open")
      ? new CircuitOpenAlerts({
          ...common,
          cooldownMs: config.cooldownMs,
          circuitCooldownMs: options.circuitCooldownMs,
        })
      : undefined;
    this.#errorRates = kinds.has("provider_error_rate")
      ? new ProviderErrorRateAlerts({ ...common, errorRate: config.errorRate, cooldownMs: config.cooldownMs })
      : undefined;
    this.#keyExpiry = kinds.has("key_expiring")
      ? new KeyExpiryAlerts({
          ...common,
          source: options.keySource,
          warningMs: config.keyExpiryWarningMs,
          intervalMs: config.keyExpiryScanIntervalMs,
          onError: (error) =>
            logger.warn(
              { error: error instanceof Error ? error.message : String(error) },
              "alerts: key expiry scan failed",
            ),
        })
      : undefined;
  }

  /** Starts the periodic key expiry scan. */
  start(): void {
    this.#keyExpiry?.start();
  }

  /**
   * Tell after each settle, once per budget the request counted against, and when a budget
   * refuses a request (`refused: true`: settled spend never reaches 100 %). Need not be awaited
   * (it resolves once the crossing is claimed, never when it is delivered) and never rejects.
   */
  budgetSettled(event: BudgetStandingEvent): Promise<void> {
    return this.#budgets?.budgetSettled(event) ?? Promise.resolve();
  }

  requestFinished(request: FinishedRequest): void {
    try {
      this.#errorRates?.attemptsMade(request.attempts);
    } catch {
      // An observer never fails the request it watches.
    }
  }

  circuitChanged(transition: CircuitTransition): void {
    try {
      this.#circuits?.circuitChanged(transition);
    } catch {
      // As above.
    }
  }

  /** Runs one key expiry scan now (tests; the timer runs them every minute). */
  scanKeyExpiry(): Promise<void> {
    return this.#keyExpiry?.scan() ?? Promise.resolve();
  }

  /** Resolves once every queued alert was delivered or given up on (tests, shutdown). */
  idle(): Promise<void> {
    return this.#dispatcher.idle();
  }

  /** Stops the scan, gives queued alerts a short grace to go out, then releases the dedupe. */
  async close(graceMs?: number): Promise<void> {
    await this.#keyExpiry?.stop();
    await this.#dispatcher.close(graceMs);
    await this.#gate.close();
  }
}
