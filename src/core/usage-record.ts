/** How a request ended, as booked. `partial`: a stream failed after tokens were delivered. */
export type UsageOutcome = "success" | "partial" | "error";

/** The door a request came through. */
export type Door = "mcp" | "openai" | "anthropic";

/**
 * One request's booking. `requestId` is unique per request and makes booking
 * idempotent: the same id booked twice counts once.
 */
export interface UsageRecord {
  requestId: string;
  projectId: string;
  agentId: string;
  /** The group asked for, or null when a concrete model was. */
  modelGroup: string | null;
  provider: string;
  /** Catalog model name that answered. */
  model: string;
  kind: "chat" | "embedding";
  door: Door;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteInputTokens: number;
  /** Integer nano-USD (1e-9 USD), so sums never drift. */
  costNanoUsd: number;
  latencyMs: number;
  outcome: UsageOutcome;
  /**
   * Some tokens were counted by the gateway: the provider reported none, or
   * only part (a cut stream: reported input, output counted as delivered), or
   * the call was left before it answered (its prompt, counted).
   */
  estimated: boolean;
  /** Answered from the gateway's response cache: no provider was called, the cost is 0. */
  cacheHit?: boolean;
  /** A cache hit's saving: what the cached answer cost when a provider made it (nano-USD). */
  savedNanoUsd?: number;
  /** Epoch milliseconds when the request finished. */
  timestamp: number;
}

export interface UsageTotals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteInputTokens: number;
  costNanoUsd: number;
  /** Requests answered from the response cache. */
  cacheHits: number;
  /** What those requests would have cost at a provider. */
  savedNanoUsd: number;
}

export interface UsageQuery {
  projectId: string;
  /**
   * Inclusive start, epoch ms. Stores keep hourly aggregates, so both bounds
   * must be UTC hour boundaries (`periodRange` gives such windows); a store
   * rejects any other window with a RangeError rather than round it.
   */
  fromMs: number;
  /** Exclusive end, epoch ms, an hour boundary too. */
  toMs: number;
  agentId?: string;
}

export interface UsageSummary extends UsageTotals {
  byAgent: Record<string, UsageTotals>;
  byModel: Record<string, UsageTotals>;
  /** Totals per UTC hour that has any usage, oldest first (for charts). */
  byHour: Array<{ hourStartMs: number } & UsageTotals>;
}

export interface StoreHealth {
  backend: "sqlite" | "redis" | "redis-cluster";
  ok: boolean;
  /** Bookings waiting in the local journal for the store to come back. */
  journalBacklog: number;
  /** Whether the local journal can be written (the store of last resort); false for a backend without one (SQLite). */
  journalWritable: boolean;
  detail?: string;
}

/**
 * Where bookings go. Implementations say in their doc whether they fail
 * open or closed when the backing store is unreachable.
 */
export interface UsageStore {
  book(record: UsageRecord): Promise<void>;
  summarize(query: UsageQuery): Promise<UsageSummary>;
  /** Every project with booked usage, each once, sorted: the dashboard's project picker. */
  listProjects(): Promise<string[]>;
  health(): Promise<StoreHealth>;
  /** Flushes everything pending, then releases connections and files. */
  close(): Promise<void>;
}
