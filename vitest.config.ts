import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Most tests wait on sockets and timers, not the CPU: two files at a time on the 2-core CI
    // machines (vitest's default there is one) keeps the suite well under its time limit.
    maxWorkers: 2,
    // One redis-server of the suite's own for the whole run: never the user's Redis on 6379.
    globalSetup: ["test/helpers/log-secret-scan.ts", "test/helpers/redis-global-setup.ts"],
  },
});
