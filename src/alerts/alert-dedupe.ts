/**
 * Decides which replica sends an alert: the first to claim its key for `ttlMs` sends it, every
 * later claim of the same key (on any replica sharing the dedupe) is refused until the claim expires.
 */
export interface AlertDedupe {
  /** Resolves true when this caller won the claim; never rejects. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** One process's claims: the single-process dedupe, and the fallback while Redis is unreachable. */
export class MemoryAlertDedupe implements AlertDedupe {
  readonly #claims = new Map<string, number>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  claim(key: string, ttlMs: number): Promise<boolean> {
    return Promise.resolve(this.claimNow(key, ttlMs));
  }

  claimNow(key: string, ttlMs: number): boolean {
    const now = this.now();
    const expiresAt = this.#claims.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.#claims.set(key, now + ttlMs);
    if (this.#claims.size > 10_000) this.#purge(now);
    return true;
  }

  async close(): Promise<void> {}

  #purge(now: number): void {
    for (const [key, expiresAt] of this.#claims) if (expiresAt <= now) this.#claims.delete(key);
  }
}
