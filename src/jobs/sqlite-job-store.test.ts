import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runJobStoreContract } from "./job-store.contract.js";
import { SqliteJobStore } from "./sqlite-job-store.js";

runJobStoreContract("sqlite", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "llmgw-jobs-"));
  return {
    open: async (ttlMs) => new SqliteJobStore({ dataDir, ttlMs }),
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
});
