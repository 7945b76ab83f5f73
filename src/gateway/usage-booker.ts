import type { Logger } from "pino";
import type { UsageRecord, UsageStore } from "../core/usage-record.js";

/**
 * Books usage off the response's critical path without losing it: each
 * booking is tracked until the store acknowledged it, `flush` waits for all
 * of them (shutdown, and reads that must see this process's own writes).
 */
export class UsageBooker {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly store: UsageStore,
    private readonly logger: Logger,
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
  }

  reportSettleFailure(requestId: string, error: unknown): void {
    this.logger.error({ err: error, requestId }, "budget settle refused");
  }

  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
