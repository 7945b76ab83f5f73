import { randomFillSync } from "node:crypto";

/** Random bytes drawn from the CSPRNG this many at a time: one system call serves many ids. */
const poolSize = 4096;
const pool = Buffer.alloc(poolSize);
let offset = poolSize;

/**
 * `count` fresh random bytes, handed out once each from a pool refilled from the CSPRNG 4 KiB at
 * a time: an id per request cost a `getrandom` call each, a measurable share of an MCP call's CPU.
 * The caller reads (or overwrites) `pool[at .. at + count)` before its next draw.
 */
export function drawRandomBytes(count: number): { pool: Buffer; at: number } {
  if (offset + count > poolSize) {
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += count;
  return { pool, at };
}

/** `prefix` and `bytes` random bytes in base64url, as `prefix + randomBytes(bytes).toString("base64url")` would be. */
export function randomId(prefix: string, bytes: number): string {
  const { pool, at } = drawRandomBytes(bytes);
  return `${prefix}${pool.toString("base64url", at, at + bytes)}`;
}
