import type { UsageRecord } from "../core/usage-record.js";

const outcomes = new Set(["success", "partial", "error"]);
const kinds = new Set(["chat", "embedding"]);
const doors = new Set(["mcp", "openai", "anthropic"]);
const countFields = [
  "inputTokens",
  "outputTokens",
  "cachedInputTokens",
  "cacheWriteInputTokens",
  "costNanoUsd",
  "latencyMs",
  "timestamp",
] as const;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
const controlCharacters = /[\u0000-\u001f\u007f]/;

/**
 * Refuses a record the stores could not book exactly: a non-integer or
 * negative count would break integer sums (Redis HINCRBY refuses it outright),
 * and identifiers take part in keys, so they carry no control characters.
 * Journal replay runs every line through it too.
 */
export function assertValidUsageRecord(value: unknown): asserts value is UsageRecord {
  if (typeof value !== "object" || value === null) throw new TypeError("usage record must be an object");
  const record = value as Record<string, unknown>;
  for (const field of ["requestId", "projectId", "agentId", "provider", "model"] as const) {
    assertIdentifier(record[field], field);
  }
  if (record.modelGroup !== null) assertIdentifier(record.modelGroup, "modelGroup");
  assertOneOf(record.kind, kinds, "kind");
  assertOneOf(record.door, doors, "door");
  assertOneOf(record.outcome, outcomes, "outcome");
  if (typeof record.estimated !== "boolean") throw new TypeError("usage record estimated must be a boolean");
  if (record.cacheHit !== undefined && typeof record.cacheHit !== "boolean")
    throw new TypeError("usage record cacheHit must be a boolean");
  const saved = record.savedNanoUsd;
  if (saved !== undefined && (typeof saved !== "number" || !Number.isSafeInteger(saved) || saved < 0))
    throw new TypeError(
      `usage record savedNanoUsd must be a non-negative safe integer, got ${String(saved)}`,
    );
  for (const field of countFields) {
    const count = record[field];
    if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 0) {
      throw new TypeError(`usage record ${field} must be a non-negative safe integer, got ${String(count)}`);
    }
  }
}

function assertIdentifier(value: unknown, field: string): void {
  if (
    typeof value !== "string" ||
    value.length === 0 ||
    value.length > 256 ||
    controlCharacters.test(value)
  ) {
    throw new TypeError(
      `usage record ${field} must be a non-empty string of at most 256 printable characters`,
    );
  }
}

function assertOneOf(value: unknown, allowed: Set<string>, field: string): void {
  if (typeof value !== "string" || !allowed.has(value)) {
    throw new TypeError(`usage record ${field} must be one of ${[...allowed].join(", ")}`);
  }
}

/**
 * What every store's `book` checks first: a closed store or a malformed
 * record is refused with a rejected promise; `undefined` means go ahead.
 */
export function refuseBooking(record: UsageRecord, closed: boolean): Promise<never> | undefined {
  if (closed) return Promise.reject(new Error("the usage store is closed"));
  try {
    assertValidUsageRecord(record);
  } catch (error) {
    return Promise.reject(error);
  }
  return undefined;
}
