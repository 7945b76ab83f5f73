import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runConversationStoreContract } from "./conversation-store.contract.js";
import { SqliteConversationStore } from "./sqlite-conversation-store.js";

runConversationStoreContract("sqlite", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "llmgw-conversations-"));
  return {
    open: async (ttlMs) => new SqliteConversationStore({ dataDir, ttlMs }),
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
});
