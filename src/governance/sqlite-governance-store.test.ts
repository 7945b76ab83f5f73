import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runGovernanceStoreContract } from "./governance-settings-store.contract.js";
import { SqliteGovernanceStore } from "./sqlite-governance-store.js";

runGovernanceStoreContract("sqlite", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "llmgw-governance-"));
  return {
    open: async () => new SqliteGovernanceStore({ dataDir }),
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
});
