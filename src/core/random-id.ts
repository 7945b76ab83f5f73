import { randomFillSync } from "node:crypto";

/** Random bytes drawn from the CSPRNG this many at a time: one system call serves many ids. */
const poolSize = 4096;
const pool = Buffer.alloc(poolSize);
let offset = poolSize;

/**
 * `prefix` and `bytes` random bytes in base64url, as `prefix + randomBytes(bytes).toString("base64url")`
 * would be, but read from a pool refilled from the CSPRNG 4 KiB at a time: an id per request
 * cost a `getrandom` call each, a measurable share of an MCP call's CPU. Each byte is used once.
 */
export function randomId(prefix: string, bytes: number): string {
  if (offset + bytes > poolSize) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString("base64url", offset, offset + bytes);
  offset += bytes;
  return `${prefix}${id}`;
}
