import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConversationAppend, ConversationStore } from "../core/conversation.js";

/** Opens stores on one fresh backing store (a temp dir, a key prefix), more than once. */
export interface ConversationStoreHarness {
  open(ttlMs: number): Promise<ConversationStore>;
  cleanup(): Promise<void>;
}

const ttlMs = 60_000;

function turn(id: string, atMs: number, text: string, overrides: Partial<ConversationAppend> = {}) {
  return {
    id,
    projectId: "project-a",
    turn: {
      messages: [
        { role: "user" as const, content: text },
        { role: "assistant" as const, content: `re: ${text}` },
      ],
    },
    model: "gpt-4.1",
    tokens: 100,
    costNanoUsd: 5_000,
    atMs,
    ...overrides,
  };
}

/** The behaviour every conversation store engine shares; each engine's test calls it. */
export function runConversationStoreContract(
  name: string,
  createHarness: () => Promise<ConversationStoreHarness>,
): void {
  describe(`ConversationStore contract: ${name}`, () => {
    let harness: ConversationStoreHarness;
    let store: ConversationStore;
    const now = Date.now();

    beforeEach(async () => {
      harness = await createHarness();
      store = await harness.open(ttlMs);
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    it("keeps turns in order and adds up turns, tokens and cost; the model is the latest", async () => {
      const id = randomUUID();
      await store.append(turn(id, now, "first"));
      await store.append(
        turn(id, now + 10, "second", {
          model: "claude-sonnet-4",
          tokens: 50,
          costNanoUsd: 1_000,
          turn: {
            messages: [
              { role: "user", content: "second" },
              {
                role: "assistant",
                content: null,
                tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }],
              },
            ],
          },
        }),
      );
      const stored = await store.get(id, now + 20);
      expect(stored).toMatchObject({
        id,
        projectId: "project-a",
        model: "claude-sonnet-4",
        turnCount: 2,
        tokens: 150,
        costNanoUsd: 6_000,
        createdAtMs: now,
        updatedAtMs: now + 10,
      });
      expect(stored?.turns.map((t) => t.messages[0]?.content)).toEqual(["first", "second"]);
      expect(stored?.turns[1]?.messages[1]?.tool_calls?.[0]?.function.name).toBe("f");
    });

    it("answers undefined for an unknown id", async () => {
      expect(await store.get(randomUUID(), now)).toBeUndefined();
    });

    it("forgets a conversation ttl after its last turn, not after its first", async () => {
      const id = randomUUID();
      await store.append(turn(id, now, "a"));
      await store.append(turn(id, now + ttlMs / 2, "b"));
      expect(await store.get(id, now + ttlMs + 1)).toBeDefined();
      expect(await store.get(id, now + ttlMs / 2 + ttlMs)).toBeUndefined();
      expect(await store.list("project-a", now + ttlMs / 2 + ttlMs, 10)).toEqual([]);
    });

    it("lists a project's conversations newest first, and only its own", async () => {
      const older = randomUUID();
      const newer = randomUUID();
      const foreign = randomUUID();
      await store.append(turn(older, now, "old"));
      await store.append(turn(newer, now + 5, "new"));
      await store.append(turn(foreign, now + 6, "theirs", { projectId: "project-b" }));
      const listed = await store.list("project-a", now + 10, 10);
      expect(listed.map((summary) => summary.id)).toEqual([newer, older]);
      expect(listed[0]).toMatchObject({ turnCount: 1, tokens: 100, model: "gpt-4.1" });
      expect((await store.list("project-a", now + 10, 1)).map((summary) => summary.id)).toEqual([newer]);
    });

    it("keeps conversations across a reopen of the store", async () => {
      const id = randomUUID();
      await store.append(turn(id, now, "kept"));
      await store.close();
      store = await harness.open(ttlMs);
      expect((await store.get(id, now + 1))?.turns[0]?.messages[0]?.content).toBe("kept");
    });
  });
}
