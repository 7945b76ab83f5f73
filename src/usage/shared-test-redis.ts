import { describe, inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's own redis-server (test/helpers/redis-global-setup.ts); "" where redis-server is not installed. */
    sharedRedisUrl: string;
  }
}

/**
 * The one redis-server the test run started on a free port, shared by every
 * test file under key prefixes of its own: never a Redis the user already
 * runs on 127.0.0.1:6379.
 */
export const sharedRedisUrl: string = inject("sharedRedisUrl") ?? "";

/** For `describe.skipIf`: without redis-server the Redis tests are skipped (the run says so once). */
export const noRedisServer = sharedRedisUrl === "";

/** `describe`, skipped where redis-server is not installed (the suite's own and the tests' private servers alike). */
export const describeWithRedis = describe.skipIf(noRedisServer);
