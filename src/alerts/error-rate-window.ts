/** Buckets a window is cut into: the window slides in steps of a thirtieth of its length. */
const bucketCount = 30;

interface Bucket {
  start: number;
  attempts: number;
  failures: number;
}

/** Attempts and failures over a sliding window, in fixed memory whatever the traffic. */
export class ErrorRateWindow {
  readonly #buckets: Bucket[] = [];
  readonly #bucketMs: number;

  constructor(private readonly windowMs: number) {
    this.#bucketMs = Math.max(1, Math.floor(windowMs / bucketCount));
  }

  record(failed: boolean, now: number): void {
    const start = now - (now % this.#bucketMs);
    let last = this.#buckets.at(-1);
    if (!last || last.start !== start) {
      last = { start, attempts: 0, failures: 0 };
      this.#buckets.push(last);
    }
    last.attempts += 1;
    if (failed) last.failures += 1;
  }

  /** Totals of the buckets that started within the window before `now`. */
  totals(now: number): { attempts: number; failures: number } {
    while (this.#buckets.length > 0 && (this.#buckets[0] as Bucket).start <= now - this.windowMs) {
      this.#buckets.shift();
    }
    let attempts = 0;
    let failures = 0;
    for (const bucket of this.#buckets) {
      attempts += bucket.attempts;
      failures += bucket.failures;
    }
    return { attempts, failures };
  }
}
