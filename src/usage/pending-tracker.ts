/** Keeps the promises still running so `close()` can wait for every one of them. */
export class PendingTracker {
  readonly #pending = new Set<Promise<void>>();

  track<T>(promise: Promise<T>): Promise<T> {
    const settled = promise.then(
      () => undefined,
      () => undefined,
    );
    this.#pending.add(settled);
    void settled.then(() => this.#pending.delete(settled));
    return promise;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Resolves once everything tracked so far, and anything tracked meanwhile, has settled. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }
}
