import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../core/chat.js";
import type { ConversationAppend } from "../core/conversation.js";
import { runConversationStoreContract } from "./conversation-store.contract.js";
import { SqliteConversationStore } from "./sqlite-conversation-store.js";

runConversationStoreContract("sqlite", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "llmgw-conversations-"));
  return {
    open: async (ttlMs) => new SqliteConversationStore({ dataDir, ttlMs }),
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
});

describe("SqliteConversationStore, appends of one turn of the event loop", () => {
  it("stores each in order, and one that cannot be stored fails alone", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "llmgw-conversations-"));
    const store = new SqliteConversationStore({ dataDir, ttlMs: 60_000 });
    try {
      const now = Date.now();
      const entry = (id: string, content: unknown): ConversationAppend => ({
        id,
        projectId: "proj",
        turn: { messages: [{ role: "user", content } as ChatMessage] },
        model: "gpt-4.1",
        tokens: 1,
        costNanoUsd: 1,
        atMs: now,
      });
      // A BigInt cannot be written as JSON: that append's statements throw.
      const outcomes = await Promise.allSettled([
        store.append(entry("conv-1", "first")),
        store.append(entry("conv-2", 1n)),
        store.append(entry("conv-1", "second")),
        store.append(entry("conv-3", "other")),
      ]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual([
        "fulfilled",
        "rejected",
        "fulfilled",
        "fulfilled",
      ]);
      const first = await store.get("conv-1", now);
      expect(first?.turns.map((turn) => turn.messages[0]?.content)).toEqual(["first", "second"]);
      expect(first?.turnCount).toBe(2);
      expect(await store.get("conv-2", now)).toBeUndefined();
      expect((await store.get("conv-3", now))?.turnCount).toBe(1);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
