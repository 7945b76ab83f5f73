import { assertNanoUsd, budgetWindow } from "./budget-limits.js";
import type { KeySpend, KeySpendBooking, KeySpendLedger } from "./key-spend-ledger.js";
import { redisKeyBudgetKeys } from "./redis-key-budget-keys.js";
import { settleKeyBudgetScript } from "./redis-key-budget-scripts.js";
import {
  assertKeyPrefix,
  defineRedisScript,
  type GovernanceRedisClient,
  type RedisScript,
  withTimeout,
} from "./redis-script.js";

export interface RedisKeySpendLedgerOptions {
  /** Shared with the budget guard if the caller likes; the ledger never quits it. */
  client: GovernanceRedisClient;
  keyPrefix: string;
  /** How long a booked request id is remembered. Default 24 h, like the budget guard's settled ids. */
  bookedIdTtlMs?: number;
  /** Longest wait for Redis. Default 1 s. */
  operationTimeoutMs?: number;
}

const dayMs = 86_400_000;

/**
 * Key spend in the Redis counters the budget guard settles into (see
 * redis-key-budget-keys.ts): the guard books every request of a managed key
 * there at settle, atomically with its hold; this reads them for the admin
 * API and get_usage, and can book a cost that had no reservation. Both go
 * through the same script and booked marker, so a request id counts once.
 */
export class RedisKeySpendLedger implements KeySpendLedger {
  readonly #client: GovernanceRedisClient;
  readonly #keyPrefix: string;
  readonly #bookedIdTtlMs: number;
  readonly #timeoutMs: number;
  readonly #settle: RedisScript;

  constructor(options: RedisKeySpendLedgerOptions) {
    assertKeyPrefix(options.keyPrefix);
    this.#client = options.client;
    this.#keyPrefix = options.keyPrefix;
    this.#bookedIdTtlMs = options.bookedIdTtlMs ?? dayMs;
    this.#timeoutMs = options.operationTimeoutMs ?? 1_000;
    this.#settle = defineRedisScript(this.#client, "llmGatewaySettleKeyBudget", settleKeyBudgetScript);
  }

  async book(booking: KeySpendBooking): Promise<boolean> {
    assertNanoUsd(booking.costNanoUsd, "costNanoUsd");
    const keys = redisKeyBudgetKeys(this.#keyPrefix, booking.keyId);
    const ttl = (period: "day" | "month") => budgetWindow(period, booking.atMs).toMs - booking.atMs + dayMs;
    const reply = await withTimeout(
      this.#settle(
        [
          keys.reservations,
          keys.reservationExpiry,
          keys.held,
          keys.booked(booking.requestId),
          keys.spent("day", booking.atMs),
          keys.spent("month", booking.atMs),
        ],
        [
          booking.requestId,
          String(booking.costNanoUsd),
          booking.atMs,
          this.#bookedIdTtlMs,
          ttl("day"),
          ttl("month"),
        ],
      ),
      this.#timeoutMs,
      "key spend booking",
    );
    return Array.isArray(reply) && reply[0] === 1;
  }

  async spent(keyId: string, nowMs: number): Promise<KeySpend> {
    const keys = redisKeyBudgetKeys(this.#keyPrefix, keyId);
    // Both counters share the key's hash tag: one MGET, on a Cluster too.
    const [day, month] = await withTimeout(
      this.#client.mget(keys.spent("day", nowMs), keys.spent("month", nowMs)),
      this.#timeoutMs,
      "key spend read",
    );
    return { dayNanoUsd: Number(day ?? 0), monthNanoUsd: Number(month ?? 0) };
  }

  async close(): Promise<void> {}
}
