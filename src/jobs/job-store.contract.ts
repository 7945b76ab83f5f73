import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JobStore } from "../core/background-job.js";

/** Opens stores on one fresh backing store (a temp dir, a key prefix), more than once. */
export interface JobStoreHarness {
  open(ttlMs: number): Promise<JobStore>;
  cleanup(): Promise<void>;
}

const ttlMs = 60_000;

/** The behaviour every job store engine shares; each engine's test calls it. */
export function runJobStoreContract(name: string, createHarness: () => Promise<JobStoreHarness>): void {
  describe(`JobStore contract: ${name}`, () => {
    let harness: JobStoreHarness;
    let store: JobStore;
    const now = Date.now();

    beforeEach(async () => {
      harness = await createHarness();
      store = await harness.open(ttlMs);
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    it("creates a running job with no text, and answers undefined for an unknown id", async () => {
      const id = randomUUID();
      await store.create({ id, projectId: "project-a", atMs: now });
      expect(await store.get(id, now + 1)).toEqual({
        id,
        projectId: "project-a",
        status: "running",
        partialText: "",
        cancelRequested: false,
        createdAtMs: now,
        updatedAtMs: now,
      });
      expect(await store.get(randomUUID(), now)).toBeUndefined();
    });

    it("keeps the heartbeat and the text so far, and reports a requested cancellation", async () => {
      const id = randomUUID();
      await store.create({ id, projectId: "project-a", atMs: now });
      expect(await store.touch(id, now + 5, "Once upon")).toEqual({ cancelRequested: false });
      expect(await store.get(id, now + 6)).toMatchObject({ partialText: "Once upon", updatedAtMs: now + 5 });
      await store.requestCancel(id);
      expect(await store.touch(id, now + 10, "Once upon a time")).toEqual({ cancelRequested: true });
      expect(await store.get(id, now + 11)).toMatchObject({ cancelRequested: true, status: "running" });
    });

    it("keeps an outcome, and a heartbeat after it changes nothing", async () => {
      const done = randomUUID();
      const failed = randomUUID();
      await store.create({ id: done, projectId: "project-a", atMs: now });
      await store.create({ id: failed, projectId: "project-b", atMs: now });
      await store.finish(done, { status: "succeeded", partialText: "All.", resultJson: '{"a":1}' }, now + 20);
      await store.touch(done, now + 25, "stale");
      await store.finish(
        failed,
        { status: "failed", partialText: "Al", error: { code: "GW_ERR_STREAM_INTERRUPTED", message: "cut" } },
        now + 30,
      );
      expect(await store.get(done, now + 40)).toEqual({
        id: done,
        projectId: "project-a",
        status: "succeeded",
        partialText: "All.",
        resultJson: '{"a":1}',
        cancelRequested: false,
        createdAtMs: now,
        updatedAtMs: now + 20,
      });
      expect(await store.get(failed, now + 40)).toMatchObject({
        projectId: "project-b",
        status: "failed",
        partialText: "Al",
        error: { code: "GW_ERR_STREAM_INTERRUPTED", message: "cut" },
      });
    });

    it("forgets a job ttl after its latest write, and a cancellation of an unknown one creates nothing", async () => {
      const id = randomUUID();
      await store.create({ id, projectId: "project-a", atMs: now });
      await store.touch(id, now + ttlMs / 2, "");
      expect(await store.get(id, now + ttlMs + 1)).toBeDefined();
      expect(await store.get(id, now + ttlMs / 2 + ttlMs)).toBeUndefined();
      const unknown = randomUUID();
      await store.requestCancel(unknown);
      expect(await store.get(unknown, now)).toBeUndefined();
    });

    it("keeps jobs across a reopen of the store", async () => {
      const id = randomUUID();
      await store.create({ id, projectId: "project-a", atMs: now });
      await store.close();
      store = await harness.open(ttlMs);
      expect((await store.get(id, now + 1))?.status).toBe("running");
    });
  });
}
