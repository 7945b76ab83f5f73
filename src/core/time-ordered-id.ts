import { randomFillSync } from "node:crypto";

const poolSize = 4096;
const pool = Buffer.alloc(poolSize);
let offset = poolSize;
const hexOf = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/**
 * A UUID version 7 (RFC 9562): the millisecond it was made, then 74 random bits. Request ids key
 * the usage records and the request explorer's rows; random (v4) ids put each insert on a random
 * index page, so every commit dirtied a page per row, while ids that grow with time fill the last
 * pages (issue 21). Ids are as unique as before; they are not secrets (conversation ids, which are,
 * keep 144 random bits after their time). Random bits come from a pool refilled 4 KiB at a time.
 */
export function timeOrderedUuid(nowMs: number = Date.now()): string {
  if (offset + 16 > poolSize) {
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += 16;
  const high = Math.floor(nowMs / 2 ** 32);
  const low = nowMs >>> 0;
  const byte = (index: number) => pool[at + index] as number;
  const hex = (value: number) => hexOf[value & 0xff] as string;
  return (
    hex(high >>> 8) +
    hex(high) +
    hex(low >>> 24) +
    hex(low >>> 16) +
    "-" +
    hex(low >>> 8) +
    hex(low) +
    "-" +
    hex(0x70 | (byte(6) & 0x0f)) +
    hex(byte(7)) +
    "-" +
    hex(0x80 | (byte(8) & 0x3f)) +
    hex(byte(9)) +
    "-" +
    hex(byte(10)) +
    hex(byte(11)) +
    hex(byte(12)) +
    hex(byte(13)) +
    hex(byte(14)) +
    hex(byte(15))
  );
}
