/** One request's tokens reserved at admission, until its usage is booked. */
export interface TokenReservation<Scopes> {
  /** The UTC minute (`rateWindow(...).index`) the estimate was counted in. */
  windowIndex: number;
  reservedTokens: number;
  /** Booked for the request under other ids (a hedged call's loser); counted with its own at settle. */
  joinedTokens: number;
  /** Where the estimate was counted (each engine's own description). */
  scopes: Scopes;
  admittedAtMs: number;
}

/**
 * The token reservations of this process's requests in flight, by request id.
 * A request is admitted, booked and released by the process that serves it,
 * so the reservation's details stay here and the shared counters hold only
 * sums: a replica that crashes leaves nothing to sweep, its estimates lapse
 * with their minute. `take` hands a reservation out once, which makes
 * settling and releasing idempotent.
 */
export class TokenReservations<Scopes> {
  readonly #entries = new Map<string, TokenReservation<Scopes>>();
  readonly #ttlMs: number;
  #sweptAtMs = 0;

  /** `ttlMs`: a reservation never settled (a bug) is forgotten after this long, not kept forever. */
  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  add(requestId: string, reservation: Omit<TokenReservation<Scopes>, "joinedTokens">): void {
    this.#sweep(reservation.admittedAtMs);
    this.#entries.set(requestId, { ...reservation, joinedTokens: 0 });
  }

  /** Tokens booked for a reserved request under another id; nothing without a reservation. */
  join(requestId: string, tokens: number): void {
    const reservation = this.#entries.get(requestId);
    if (reservation) reservation.joinedTokens += tokens;
  }

  take(requestId: string): TokenReservation<Scopes> | undefined {
    const reservation = this.#entries.get(requestId);
    this.#entries.delete(requestId);
    return reservation;
  }

  get size(): number {
    return this.#entries.size;
  }

  #sweep(nowMs: number): void {
    if (nowMs - this.#sweptAtMs < 60_000) return;
    this.#sweptAtMs = nowMs;
    for (const [requestId, reservation] of this.#entries) {
      if (nowMs - reservation.admittedAtMs > this.#ttlMs) this.#entries.delete(requestId);
    }
  }
}

/** Longer than any call the gateway lets run (LLM_GATEWAY_MAX_CALL_SECONDS defaults to an hour). */
export const defaultTokenReservationTtlMs = 2 * 60 * 60_000;
