import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CachedAnswer, ResponseCacheStore } from "../core/response-cache.js";

export interface ResponseCacheHarness {
  /** A store on a fresh, empty backing store, holding at most `maxBytes` (default 10 MB). */
  open(options?: { maxBytes?: number }): Promise<ResponseCacheStore>;
  cleanup(): Promise<void>;
}

export function makeCachedAnswer(content: string, overrides: Partial<CachedAnswer> = {}): CachedAnswer {
  return {
    completion: {
      id: "chatcmpl-original",
      object: "chat.completion",
      created: 1,
      model: "gpt-4.1-mini",
      choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
      usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
    },
    provider: "openai",
    model: "gpt-4.1-mini",
    costNanoUsd: 12_345,
    createdAtMs: Date.now(),
    ...overrides,
  };
}

/** What both engines owe the response cache, run by each engine's test. */
export function runResponseCacheContract(name: string, createHarness: () => Promise<ResponseCacheHarness>) {
  describe(`ResponseCacheStore contract: ${name}`, () => {
    let harness: ResponseCacheHarness;
    let store: ResponseCacheStore;
    beforeEach(async () => {
      harness = await createHarness();
      store = await harness.open();
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    it("returns what was set under a key, and nothing under another", async () => {
      const answer = makeCachedAnswer("Paris.");
      await store.set("k1", answer, 60_000);
      expect(await store.get("k1")).toEqual(answer);
      expect(await store.get("k2")).toBeUndefined();
    });

    it("stays within its size bound, evicting the least recently used entries first", async () => {
      const bounded = await harness.open({ maxBytes: 20_000 });
      try {
        const answer = (index: number) => makeCachedAnswer(`answer ${index} ${"x".repeat(800)}`);
        const tick = () => new Promise((resolve) => setTimeout(resolve, 3));
        for (let index = 0; index < 10; index++) {
          await bounded.set(`k${index}`, answer(index), 60_000);
          await tick();
        }
        // k0 is read, so it is the most recently used; k1 is now the least.
        expect(await bounded.get("k0")).toBeDefined();
        await tick();
        // About 1.1 kB an entry: 22 of them pass the 20 kB bound, and the oldest uses go.
        for (let index = 10; index < 22; index++) {
          await bounded.set(`k${index}`, answer(index), 60_000);
          await tick();
        }
        const kept: number[] = [];
        for (let index = 0; index < 22; index++) if (await bounded.get(`k${index}`)) kept.push(index);
        expect(kept).toContain(21);
        expect(kept).toContain(0);
        expect(kept).not.toContain(1);
        expect(kept.length).toBeLessThan(22);
        expect(kept.length).toBeGreaterThanOrEqual(10);
      } finally {
        await bounded.close();
      }
    });

    it("forgets an entry once its TTL passed", async () => {
      await store.set("short", makeCachedAnswer("soon gone"), 30);
      await store.set("long", makeCachedAnswer("kept"), 60_000);
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(await store.get("short")).toBeUndefined();
      expect((await store.get("long"))?.completion.choices[0]?.message.content).toBe("kept");
    });

    it("finds the most similar entry of a prefix above the threshold, never another prefix's", async () => {
      await store.set("a", makeCachedAnswer("A"), 60_000, { prefixHash: "p1", embedding: [1, 0, 0] });
      await store.set("b", makeCachedAnswer("B"), 60_000, { prefixHash: "p1", embedding: [0.8, 0.6, 0] });
      await store.set("c", makeCachedAnswer("C"), 60_000, { prefixHash: "p2", embedding: [0, 0, 1] });
      const found = await store.nearest("p1", [0.9, 0.43, 0], 0.9, 0);
      expect(found?.answer.completion.choices[0]?.message.content).toBe("B");
      expect(found?.similarity).toBeGreaterThan(0.95);
      expect(await store.nearest("p1", [0, 0, 1], 0.5, 0)).toBeUndefined();
      expect(
        (await store.nearest("p2", [0, 0.1, 1], 0.9, 0))?.answer.completion.choices[0]?.message.content,
      ).toBe("C");
    });

    it("leaves out entries stored before notBeforeMs and expired ones from semantic lookups", async () => {
      await store.set("old", makeCachedAnswer("old", { createdAtMs: Date.now() - 10_000 }), 60_000, {
        prefixHash: "p",
        embedding: [1, 0],
      });
      expect(await store.nearest("p", [1, 0], 0.9, Date.now() - 5_000)).toBeUndefined();
      expect(await store.nearest("p", [1, 0], 0.9, 0)).toBeDefined();
      await store.set("gone", makeCachedAnswer("gone"), 20, { prefixHash: "q", embedding: [1, 0] });
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(await store.nearest("q", [1, 0], 0.9, 0)).toBeUndefined();
    });
  });
}
