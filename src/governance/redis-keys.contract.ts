import { randomBytes } from "node:crypto";
import { Cluster, type Redis } from "ioredis";
import { expect } from "vitest";

export function uniqueKeyPrefix(): string {
  return `llmgw-test:governance:${process.pid}-${randomBytes(4).toString("hex")}:`;
}

/** Every key under `prefix`, from every master (SCAN is per node on a cluster). */
export async function keysUnder(client: Redis | Cluster, prefix: string): Promise<string[]> {
  const nodes = client instanceof Cluster ? client.nodes("master") : [client];
  const keys: string[] = [];
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, batch] = await node.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== "0");
  }
  return keys;
}

export async function deleteKeysUnder(client: Redis | Cluster, prefix: string): Promise<void> {
  // One UNLINK per key: on a cluster, keys of different projects live in different slots.
  for (const key of await keysUnder(client, prefix)) await client.unlink(key);
}

/**
 * The Redis Cluster rules of the scale-out issue: each key carries its
 * project's (or managed key's) hash tag right after the prefix, so every key a script touches
 * shares one slot, and each key expires, so nothing piles up for ever.
 */
export async function expectClusterSafeKeys(client: Redis | Cluster, prefix: string): Promise<string[]> {
  const keys = await keysUnder(client, prefix);
  for (const key of keys) {
    // A managed key's counters carry the key's own tag, {k:<key id>}: its rate limits, budget and spend.
    expect(key.slice(prefix.length)).toMatch(
      /^(\{[pk]:[A-Za-z0-9._:-]+\}:(budget|ratelimit):|\{k:[A-Za-z0-9._:-]+\}:key-(budget|spend):)/,
    );
    expect(await client.pttl(key), `${key} has a TTL`).toBeGreaterThan(0);
  }
  return keys;
}
