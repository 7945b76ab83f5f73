import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RequestRecord, RequestStore } from "../core/request-record.js";

/** Opens stores on one fresh backing store (a temp dir, a key prefix). */
export interface RequestStoreHarness {
  open(options: { retentionMs: number; maxRows: number }): Promise<RequestStore>;
  cleanup(): Promise<void>;
}

const dayMs = 86_400_000;

/** A record at `timeMs`; the other fields as a successful chat call. */
export function requestRecord(
  id: string,
  timeMs: number,
  overrides: Partial<RequestRecord> = {},
): RequestRecord {
  return {
    id,
    timeMs,
    door: "openai",
    kind: "chat",
    projectId: "project-a",
    agentId: "agent-1",
    keyName: "team-a",
    modelGroup: "reasoning",
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    attempts: [{ provider: "anthropic", model: "claude-sonnet-4-5", outcome: "success", latencyMs: 12 }],
    inputTokens: 10,
    outputTokens: 5,
    cachedInputTokens: 0,
    costUsd: 0.0001,
    latencyMs: 15,
    status: "success",
    stream: false,
    cacheHit: false,
    ...overrides,
  };
}

/** The behaviour every request store engine shares; each engine's test calls it. */
export function runRequestStoreContract(
  name: string,
  createHarness: () => Promise<RequestStoreHarness>,
): void {
  describe(`RequestStore contract: ${name}`, () => {
    let harness: RequestStoreHarness;
    let store: RequestStore;
    const now = Date.now();

    beforeEach(async () => {
      harness = await createHarness();
      store = await harness.open({ retentionMs: 7 * dayMs, maxRows: 1000 });
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    it("gives a record back whole by id, and undefined for an unknown id", async () => {
      const record = requestRecord("r1", now - 1000, {
        clientRequestId: "mine-1",
        errorCode: undefined,
        timeToFirstTokenMs: 7,
        bodies: { request: '[{"role":"user","content":"hi"}]', answer: "hello" },
      });
      await store.add([record], now);
      expect(await store.get("r1", now)).toEqual(JSON.parse(JSON.stringify(record)));
      expect(await store.get("nope", now)).toBeUndefined();
    });

    it("lists newest first and pages with a cursor through ties on the same millisecond", async () => {
      const times = [now - 5000, now - 4000, now - 4000, now - 4000, now - 3000, now - 1000];
      for (const [index, timeMs] of times.entries())
        await store.add([requestRecord(`r${index}`, timeMs)], now);
      const seen: string[] = [];
      let cursor: { timeMs: number; id: string } | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await store.list({ limit: 2, cursor }, now);
        seen.push(...result.records.map((record) => record.id));
        cursor = result.nextCursor;
        if (!cursor) break;
      }
      expect(seen).toEqual(["r5", "r4", "r3", "r2", "r1", "r0"]);
      const first = await store.list({ limit: 6 }, now);
      expect(first.records).toHaveLength(6);
      expect(first.nextCursor).toBeUndefined();
    });

    it("filters by projects, agent, model or group, status and time range", async () => {
      await store.add([requestRecord("a1", now - 5000)], now);
      await store.add(
        [
          requestRecord("a2", now - 4000, {
            agentId: "agent-2",
            status: "error",
            errorCode: "GW_ERR_PROVIDERS_FAILED",
          }),
        ],
        now,
      );
      await store.add(
        [requestRecord("b1", now - 3000, { projectId: "project-b", model: "gpt-5", modelGroup: null })],
        now,
      );
      await store.add([requestRecord("c1", now - 2000, { projectId: "project-c" })], now);
      const ids = async (query: Parameters<RequestStore["list"]>[0]) =>
        (await store.list(query, now)).records.map((record) => record.id);
      expect(await ids({ limit: 10, projectIds: ["project-a"] })).toEqual(["a2", "a1"]);
      expect(await ids({ limit: 10, projectIds: ["project-a", "project-b"] })).toEqual(["b1", "a2", "a1"]);
      expect(await ids({ limit: 10, projectIds: [] })).toEqual([]);
      expect(await ids({ limit: 10, agentId: "agent-2" })).toEqual(["a2"]);
      expect(await ids({ limit: 10, status: "error" })).toEqual(["a2"]);
      expect(await ids({ limit: 10, model: "gpt-5" })).toEqual(["b1"]);
      expect(await ids({ limit: 10, model: "reasoning" })).toEqual(["c1", "a2", "a1"]);
      expect(await ids({ limit: 10, fromMs: now - 4000, toMs: now - 2000 })).toEqual(["b1", "a2"]);
    });

    it("writes a batch whole: every record of it is found, the row bound counted over the batch", async () => {
      await store.close();
      store = await harness.open({ retentionMs: 7 * dayMs, maxRows: 4 });
      await store.add(
        Array.from({ length: 6 }, (_, index) => requestRecord(`b${index}`, now - 10_000 + index)),
        now,
      );
      expect((await store.list({ limit: 10 }, now)).records.map((record) => record.id)).toEqual([
        "b5",
        "b4",
        "b3",
        "b2",
      ]);
      expect(await store.get("b1", now)).toBeUndefined();
      await store.add([], now);
      expect((await store.list({ limit: 10 }, now)).records).toHaveLength(4);
    });

    it("keeps only the retention: older records are neither listed nor found", async () => {
      await store.add([requestRecord("old", now - 8 * dayMs)], now);
      await store.add([requestRecord("new", now - dayMs)], now);
      expect((await store.list({ limit: 10 }, now)).records.map((record) => record.id)).toEqual(["new"]);
      expect(await store.get("old", now)).toBeUndefined();
      // Later, the newer one ages out too.
      expect(await store.get("new", now + 7 * dayMs)).toBeUndefined();
      expect((await store.list({ limit: 10 }, now + 7 * dayMs)).records).toEqual([]);
    });

    it("keeps at most the row bound, dropping the oldest first", async () => {
      await store.close();
      store = await harness.open({ retentionMs: 7 * dayMs, maxRows: 3 });
      for (let index = 0; index < 6; index++)
        await store.add([requestRecord(`r${index}`, now - 10_000 + index)], now);
      expect((await store.list({ limit: 10 }, now)).records.map((record) => record.id)).toEqual([
        "r5",
        "r4",
        "r3",
      ]);
      expect(await store.get("r0", now)).toBeUndefined();
      expect((await store.list({ limit: 10, projectIds: ["project-a"] }, now)).records).toHaveLength(3);
    });
  });
}
