import type { TestProject } from "vitest/node";
import {
  type RedisTestServer,
  redisServerInstalled,
  startRedisTestServer,
} from "../../src/usage/redis-test-server.js";

let server: RedisTestServer | undefined;

/**
 * Vitest globalSetup: starts one redis-server for the whole run (free port,
 * no persistence) and hands its URL to the tests as `sharedRedisUrl`, so the
 * suite never writes into a Redis the user runs on 127.0.0.1:6379.
 */
export async function setup(project: TestProject): Promise<void> {
  if (!redisServerInstalled()) {
    console.warn(
      "redis-server not found: the Redis tests are skipped (install it: apt-get install redis-server)",
    );
    project.provide("sharedRedisUrl", "");
    return;
  }
  server = await startRedisTestServer();
  project.provide("sharedRedisUrl", server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
