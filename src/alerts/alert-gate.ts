import type { AlertDedupe } from "./alert-dedupe.js";
import { MemoryAlertDedupe } from "./alert-dedupe.js";

/** Shortest claim: even with no cooldown, replicas reporting one event together send it once. */
const minimumClaimMs = 1_000;

/**
 * Lets one alert per key through across the replica set. Keys this process already asked about
 * are answered from memory until their claim expires, so a budget standing above 80 % on every
 * settle costs one shared round trip per period, not one per request.
 */
export class AlertGate {
  readonly #asked: MemoryAlertDedupe;

  constructor(
    private readonly dedupe: AlertDedupe,
    now: () => number = () => Date.now(),
  ) {
    this.#asked = new MemoryAlertDedupe(now);
  }

  /** Resolves true for the one caller that should send the alert named `key`; never rejects. */
  async once(key: string, ttlMs: number): Promise<boolean> {
    const ttl = Math.max(minimumClaimMs, Math.round(ttlMs));
    if (!this.#asked.claimNow(key, ttl)) return false;
    return this.dedupe.claim(key, ttl).catch(() => true);
  }

  close(): Promise<void> {
    return this.dedupe.close();
  }
}
