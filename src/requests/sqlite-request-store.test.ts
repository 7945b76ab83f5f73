import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runRequestStoreContract } from "./request-store.contract.js";
import { SqliteRequestStore } from "./sqlite-request-store.js";

runRequestStoreContract("sqlite", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "llmgw-requests-"));
  return {
    open: async (options) => new SqliteRequestStore({ dataDir, ...options }),
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
});
