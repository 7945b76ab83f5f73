import { setTimeout as sleepFor } from "node:timers/promises";
import type { Logger } from "pino";
import { Agent } from "undici";
import type { AlertsConfig } from "../config/alerts-config.js";
import type { Alert } from "./alert.js";
import { postWebhook } from "./post-webhook.js";
import { renderSlackPayload } from "./render-slack-payload.js";

/** The longest `retry-after` honoured; a receiver asking for more is tried again after this long. */
const retryAfterCapMs = 60_000;

export interface WebhookDispatcherOptions {
  urls: string[];
  delivery: AlertsConfig["delivery"];
  logger: Logger;
  /** Names the gateway in each message ("llm-gateway 0.1.0"). */
  source: string;
  /** Tests replace the backoff wait and its jitter. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
}

interface Queued {
  alert: Alert;
  body: string;
}

/**
 * Delivers alerts to every webhook, off the request path: `send` only queues. Each webhook has its
 * own bounded queue and one worker, so a dead or slow receiver delays only its own alerts. When a
 * queue is full the oldest alert is dropped, and the drops are counted in the log.
 */
export class WebhookDispatcher {
  readonly #queues: WebhookQueue[];
  readonly #agent: Agent;
  readonly #closing = new AbortController();
  readonly source: string;

  constructor(options: WebhookDispatcherOptions) {
    const { delivery } = options;
    this.#agent = new Agent({ connect: { timeout: delivery.timeoutMs }, keepAliveTimeout: 10_000 });
    const sleep = options.sleep ?? ((ms: number, signal: AbortSignal) => sleepFor(ms, undefined, { signal }));
    this.#queues = options.urls.map(
      (url, index) =>
        new WebhookQueue({
          url,
          label: `#${index + 1} ${new URL(url).host}`,
          post: (body) =>
            postWebhook(url, body, {
              dispatcher: this.#agent,
              timeoutMs: delivery.timeoutMs,
              userAgent: options.source.replace(" ", "/"),
              signal: this.#closing.signal,
            }),
          delivery,
          logger: options.logger,
          sleep: (ms) => sleep(ms, this.#closing.signal),
          random: options.random ?? Math.random,
          closing: this.#closing.signal,
        }),
    );
    this.source = options.source;
  }

  /** Queues the alert for every webhook and returns at once; never throws. */
  send(alert: Alert): void {
    if (this.#closing.signal.aborted) return;
    const body = JSON.stringify(renderSlackPayload(alert, this.source));
    for (const queue of this.#queues) queue.push({ alert, body });
  }

  /** Resolves once every queue is empty and no POST is in flight. */
  async idle(): Promise<void> {
    await Promise.all(this.#queues.map((queue) => queue.idle()));
  }

  /** Gives queued alerts up to `graceMs` to go out, then stops (what is left is logged as dropped). */
  async close(graceMs = 2_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    this.#closing.abort();
    await this.idle();
    await this.#agent.close().catch(() => undefined);
  }
}

interface WebhookQueueOptions {
  url: string;
  /** The webhook as logs name it: its number and host, never its path (Slack's path is the secret). */
  label: string;
  post: (body: string) => ReturnType<typeof postWebhook>;
  delivery: AlertsConfig["delivery"];
  logger: Logger;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  closing: AbortSignal;
}

class WebhookQueue {
  readonly #items: Queued[] = [];
  #running: Promise<void> | undefined;
  #dropped = 0;
  /** A drop was logged since the last delivery ended: later drops are only counted. */
  #dropLogged = false;

  constructor(private readonly options: WebhookQueueOptions) {}

  push(item: Queued): void {
    this.#items.push(item);
    if (this.#items.length > this.options.delivery.queueSize) {
      this.#items.shift();
      this.#dropped += 1;
      // The first drop at once, then a count after each delivery ends: a dead receiver under an
      // alert storm gives a log line per delivery, not one per alert.
      if (!this.#dropLogged) {
        this.#reportDropped("queue full");
        this.#dropLogged = true;
      }
    }
    this.#running ??= this.#work().finally(() => {
      this.#running = undefined;
    });
  }

  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #work(): Promise<void> {
    for (let item = this.#items.shift(); item; item = this.#items.shift()) {
      if (this.options.closing.aborted) {
        this.#dropped += 1 + this.#items.length;
        this.#items.length = 0;
        break;
      }
      await this.#deliver(item);
      if (this.#dropped > 0) this.#reportDropped("queue full");
      this.#dropLogged = false;
    }
    if (this.#dropped > 0) this.#reportDropped("shutting down");
  }

  async #deliver(item: Queued): Promise<void> {
    const { delivery, logger, label } = this.options;
    const context = { webhook: label, alert: item.alert.kind };
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.options.post(item.body);
      if (outcome.delivered) {
        logger.debug({ ...context, attempts: attempt }, "alert delivered");
        return;
      }
      const failure = { ...context, attempts: attempt, status: outcome.status, error: outcome.error };
      if (!outcome.retryable) {
        logger.warn(failure, `alert webhook ${label} refused an alert (${outcome.error}); not retried`);
        return;
      }
      if (attempt >= delivery.maxAttempts || this.options.closing.aborted) {
        logger.warn(failure, `alert webhook ${label}: gave up after ${attempt} tries (${outcome.error})`);
        return;
      }
      try {
        await this.options.sleep(this.#backoffMs(attempt, outcome.retryAfterMs));
      } catch {
        logger.warn(
          failure,
          `alert webhook ${label}: shutting down after ${attempt} tries (${outcome.error})`,
        );
        return;
      }
    }
  }

  /** `retry-after` when the receiver sent one (capped), else exponential backoff with equal jitter. */
  #backoffMs(attempt: number, retryAfterMs: number | undefined): number {
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, retryAfterCapMs);
    const { baseBackoffMs, maxBackoffMs } = this.options.delivery;
    const ceiling = Math.min(maxBackoffMs, baseBackoffMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (this.options.random() * ceiling) / 2);
  }

  #reportDropped(why: string): void {
    this.options.logger.warn(
      { webhook: this.options.label, dropped: this.#dropped, queueSize: this.options.delivery.queueSize },
      `alert webhook ${this.options.label}: dropped ${this.#dropped} alert(s) (${why})`,
    );
    this.#dropped = 0;
  }
}
