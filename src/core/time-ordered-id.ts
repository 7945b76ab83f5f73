import { drawRandomBytes } from "./random-id.js";

/**
 * A UUID version 7 (RFC 9562): the millisecond it was made, then 74 random bits. Request ids key
 * the usage records and the request explorer's rows; random (v4) ids put each insert on a random
 * index page, so every commit dirtied a page per row, while ids that grow with time fill the last
 * pages (issue 21). Ids are as unique as before; they are not secrets (conversation ids, which are,
 * keep 144 random bits after their time).
 */
export function timeOrderedUuid(nowMs: number = Date.now()): string {
  const { pool, at } = drawRandomBytes(16);
  // The drawn bytes are this id's alone: the first six become the timestamp, two carry the version and variant.
  pool.writeUIntBE(nowMs, at, 6);
  pool[at + 6] = 0x70 | ((pool[at + 6] as number) & 0x0f);
  pool[at + 8] = 0x80 | ((pool[at + 8] as number) & 0x3f);
  const hex = pool.toString("hex", at, at + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
