import type { Logger } from "pino";
import type { UsageRecord, UsageStore } from "../core/usage-record.js";
import type { RateLimiter } from "../governance/rate-limiter.js";

/**
 * Books usage off the response's critical path without losing it: each
 * booking is tracked until the store acknowledged it, `flush` waits for all
 * of them (shutdown, and reads that must see this process's own writes).
 * Booking a request also settles its token reservation to the tokens booked
 * (input + output), so tokens-per-minute limits count what was spent.
 */
export class UsageBooker {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly store: UsageStore,
    private readonly logger: Logger,
    private readonly rateLimiter?: RateLimiter,
  ) {}

  book(record: UsageRecord): void {
    const booking = this.store.book(record).then(
      () => {
        this.pending.delete(booking);
      },
      (error: unknown) => {
        this.pending.delete(booking);
        // The store already fell back to its journal; reaching here means even that failed.
        this.logger.error(
          { err: error, requestId: record.requestId },
          "usage booking lost: store and journal both failed",
        );
      },
    );
    this.pending.add(booking);
    if (this.rateLimiter) this.settleTokens(this.rateLimiter, record);
  }

  private settleTokens(rateLimiter: RateLimiter, record: UsageRecord): void {
    const settling = rateLimiter.settle(record.requestId, record.inputTokens + record.outputTokens).then(
      () => {
        this.pending.delete(settling);
      },
      (error: unknown) => {
        this.pending.delete(settling);
        this.logger.error({ err: error, requestId: record.requestId }, "token reservation settle refused");
      },
    );
    this.pending.add(settling);
  }

  /** Tokens booked under another id for `requestId` (a hedge's loser): its settle counts them too. */
  joinTokens(requestId: string, tokens: number): void {
    this.rateLimiter?.addBookedTokens(requestId, tokens);
  }

  reportSettleFailure(requestId: string, error: unknown): void {
    this.logger.error({ err: error, requestId }, "budget settle refused");
  }

  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
