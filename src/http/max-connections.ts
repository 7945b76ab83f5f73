import { readFileSync } from "node:fs";

/** Descriptors kept for everything but client connections: SQLite, the journal, logs, Redis, the listener. */
const reservedDescriptors = 128;
/** Past this, more connections buy no throughput on one process, only memory an attacker can fill. */
const defaultCeiling = 10_000;
/** When the limit cannot be read (no /proc): below the smallest limit common systems start Node with. */
const unknownLimitDefault = 1_000;

/**
 * The default bound on open client connections: half the file descriptors left after a reserve,
 * since each client request being answered may hold one upstream socket too. Running out of
 * descriptors would fail provider calls, usage writes and new clients alike.
 */
export function defaultMaxConnections(openFileLimit: number | undefined): number {
  if (openFileLimit === undefined) return unknownLimitDefault;
  return Math.min(defaultCeiling, Math.max(16, Math.floor((openFileLimit - reservedDescriptors) / 2)));
}

/** The soft limit on open files of this process (Node raises it to the hard limit at start-up), on Linux. */
export function readOpenFileLimit(): number | undefined {
  try {
    const limits = readFileSync("/proc/self/limits", "utf8");
    const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
    return soft === undefined || soft === "unlimited" ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}
