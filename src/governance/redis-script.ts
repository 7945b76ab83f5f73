import type { Cluster, Redis } from "ioredis";

/** Standalone or Cluster: governance only sends Lua scripts, each confined to one project's hash slot. */
export type GovernanceRedisClient = Redis | Cluster;

export type RedisScript = (keys: readonly string[], args: ReadonlyArray<string | number>) => Promise<unknown>;

/**
 * Registers `lua` on the client under `name` and returns a caller taking
 * keys and arguments apart. ioredis sends EVALSHA and falls back to EVAL
 * after NOSCRIPT (a restarted Redis), and on a Cluster routes by the first
 * key's slot, which is why every key of one call shares a hash tag.
 */
export function defineRedisScript(client: GovernanceRedisClient, name: string, lua: string): RedisScript {
  // Without numberOfKeys the key count goes first in each call, so one script takes 1 to 4 limits.
  client.defineCommand(name, { lua });
  const command = (
    client as unknown as Record<string, (...args: Array<string | number>) => Promise<unknown>>
  )[name];
  if (command === undefined) throw new Error(`ioredis did not define the ${name} command`);
  return (keys, args) => command.call(client, keys.length, ...keys, ...args);
}

/**
 * Rejects when Redis has not answered after `timeoutMs`. A client with an
 * offline queue would otherwise hold a request for as long as Redis is down;
 * this bounds the wait whatever options the client was built with.
 */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: Redis did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Hash tags break if the prefix carries braces: Redis would hash the prefix's tag instead of the project's. */
export function assertKeyPrefix(keyPrefix: string): void {
  if (/[{}]/.test(keyPrefix)) {
    throw new Error(`the Redis key prefix must not contain "{" or "}" (it has ${JSON.stringify(keyPrefix)})`);
  }
}

/** The hash tag every key of a project carries, so all of them live in one Cluster slot. */
export function projectKeyBase(keyPrefix: string, projectId: string): string {
  if (/[{}]/.test(projectId))
    throw new RangeError(`project id ${JSON.stringify(projectId)} contains a brace`);
  return `${keyPrefix}{p:${projectId}}`;
}
