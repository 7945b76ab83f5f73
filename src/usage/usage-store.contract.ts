import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { UsageRecord, UsageStore, UsageTotals } from "../core/usage-record.js";
import { hourMs } from "./usage-period.js";

/** A fresh, empty backing store (a temp dir, a key prefix) that stores can be opened on, more than once. */
export interface UsageStoreHarness {
  open(): Promise<UsageStore>;
  /** Removes everything the harness created. */
  cleanup(): Promise<void>;
}

export const contractEpochMs = Date.parse("2025-03-09T10:00:00.000Z");

let sequence = 0;

export function makeUsageRecord(overrides: Partial<UsageRecord> = {}): UsageRecord {
  sequence += 1;
  return {
    requestId: `req-${process.pid}-${sequence}`,
    projectId: "project-a",
    agentId: "agent-1",
    modelGroup: "reasoning",
    provider: "anthropic",
    model: "claude-opus-4-5",
    kind: "chat",
    door: "mcp",
    inputTokens: 1_000,
    outputTokens: 200,
    cachedInputTokens: 300,
    cacheWriteInputTokens: 100,
    costNanoUsd: 7_654_321,
    latencyMs: 850,
    outcome: "success",
    estimated: false,
    timestamp: contractEpochMs + 60_000,
    ...overrides,
  };
}

export function totalsOf(records: UsageRecord[]): UsageTotals {
  const sum = (pick: (record: UsageRecord) => number) =>
    records.reduce((total, record) => total + pick(record), 0);
  return {
    requests: records.length,
    inputTokens: sum((r) => r.inputTokens),
    outputTokens: sum((r) => r.outputTokens),
    cachedInputTokens: sum((r) => r.cachedInputTokens),
    cacheWriteInputTokens: sum((r) => r.cacheWriteInputTokens),
    costNanoUsd: sum((r) => r.costNanoUsd),
    cacheHits: sum((r) => (r.cacheHit ? 1 : 0)),
    savedNanoUsd: sum((r) => r.savedNanoUsd ?? 0),
  };
}

function pickTotals(value: UsageTotals): UsageTotals {
  const {
    requests,
    inputTokens,
    outputTokens,
    cachedInputTokens,
    cacheWriteInputTokens,
    costNanoUsd,
    cacheHits,
    savedNanoUsd,
  } = value;
  return {
    requests,
    inputTokens,
    outputTokens,
    cachedInputTokens,
    cacheWriteInputTokens,
    costNanoUsd,
    cacheHits,
    savedNanoUsd,
  };
}

const day = {
  projectId: "project-a",
  fromMs: contractEpochMs - 10 * hourMs,
  toMs: contractEpochMs + 14 * hourMs,
};

/**
 * The behaviour every UsageStore owes its callers, run by each backend's test
 * (hono `src/router/common.case.test.ts`, unstorage `test/drivers/utils.ts`).
 */
export function runUsageStoreContract(name: string, createHarness: () => Promise<UsageStoreHarness>): void {
  describe(`UsageStore contract: ${name}`, () => {
    let harness: UsageStoreHarness;
    let store: UsageStore;
    const opened: UsageStore[] = [];
    const open = async () => {
      const next = await harness.open();
      opened.push(next);
      return next;
    };

    beforeEach(async () => {
      harness = await createHarness();
      store = await open();
    });

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((each) => each.close()));
      await harness.cleanup();
    });

    it("counts a request id once, however often and however concurrently it is booked", async () => {
      const first = makeUsageRecord();
      const second = makeUsageRecord({ agentId: "agent-2", inputTokens: 5, costNanoUsd: 3 });
      await store.book(first);
      await store.book(first);
      await store.book({ ...first, inputTokens: 999_999 }); // same id, different body: still the first booking
      await Promise.all(Array.from({ length: 20 }, () => store.book(second)));
      const summary = await store.summarize(day);
      expect(pickTotals(summary)).toEqual(totalsOf([first, second]));
    });

    it("sums totals and splits them by agent and by model", async () => {
      const records = [
        makeUsageRecord({ agentId: "planner", model: "claude-opus-4-5", inputTokens: 10, costNanoUsd: 101 }),
        makeUsageRecord({ agentId: "planner", model: "gpt-4.1", inputTokens: 20, costNanoUsd: 202 }),
        makeUsageRecord({ agentId: "coder", model: "gpt-4.1", inputTokens: 40, costNanoUsd: 404 }),
        makeUsageRecord({ agentId: "coder", model: "gpt-4.1", inputTokens: 80, costNanoUsd: 808 }),
      ];
      await Promise.all(records.map((record) => store.book(record)));
      const [p1, p2, c1, c2] = records as [UsageRecord, UsageRecord, UsageRecord, UsageRecord];
      const summary = await store.summarize(day);
      expect(pickTotals(summary)).toEqual(totalsOf(records));
      expect(summary.byAgent).toEqual({ planner: totalsOf([p1, p2]), coder: totalsOf([c1, c2]) });
      expect(summary.byModel).toEqual({
        "claude-opus-4-5": totalsOf([p1]),
        "gpt-4.1": totalsOf([p2, c1, c2]),
      });
    });

    it("sums cache hits and what they saved beside the other totals", async () => {
      const paid = makeUsageRecord({ costNanoUsd: 900 });
      const hit = makeUsageRecord({ costNanoUsd: 0, inputTokens: 0, cacheHit: true, savedNanoUsd: 900 });
      const other = makeUsageRecord({ agentId: "agent-2", cacheHit: true, savedNanoUsd: 50, costNanoUsd: 0 });
      await Promise.all([paid, hit, other].map((record) => store.book(record)));
      const summary = await store.summarize(day);
      expect(pickTotals(summary)).toEqual(totalsOf([paid, hit, other]));
      expect(summary).toMatchObject({ cacheHits: 2, savedNanoUsd: 950 });
      expect(summary.byAgent["agent-2"]).toMatchObject({ cacheHits: 1, savedNanoUsd: 50 });
    });

    it("keeps agents named like Object.prototype properties apart, polluting nothing", async () => {
      const records = ["__proto__", "constructor", "toString"].map((agentId, index) =>
        makeUsageRecord({ agentId, inputTokens: 10 * (index + 1), costNanoUsd: 7 * (index + 1) }),
      );
      await Promise.all(records.map((record) => store.book(record)));
      const summary = await store.summarize(day);
      expect(Object.keys(summary.byAgent).sort()).toEqual(["__proto__", "constructor", "toString"]);
      for (const record of records) {
        expect(Object.getOwnPropertyDescriptor(summary.byAgent, record.agentId)?.value).toEqual(
          totalsOf([record]),
        );
      }
      expect(Object.hasOwn(Object.prototype, "requests")).toBe(false);
      expect(({} as Record<string, unknown>).costNanoUsd).toBeUndefined();
    });

    it("lists usage per UTC hour that has any, oldest first", async () => {
      const late = makeUsageRecord({ timestamp: contractEpochMs + 3 * hourMs + 5 });
      const early = makeUsageRecord({ timestamp: contractEpochMs - 2 * hourMs + 59 * 60_000 });
      const early2 = makeUsageRecord({
        timestamp: contractEpochMs - 2 * hourMs,
        agentId: "other",
        model: "m2",
      });
      await Promise.all([late, early, early2].map((record) => store.book(record)));
      const summary = await store.summarize(day);
      expect(summary.byHour).toEqual([
        { hourStartMs: contractEpochMs - 2 * hourMs, ...totalsOf([early, early2]) },
        { hourStartMs: contractEpochMs + 3 * hourMs, ...totalsOf([late]) },
      ]);
    });

    it("answers a window [from, to): the hour before from and the hour starting at to are out", async () => {
      const before = makeUsageRecord({ timestamp: contractEpochMs - 1 }); // 09:59:59.999
      const first = makeUsageRecord({ timestamp: contractEpochMs }); // 10:00:00.000
      const last = makeUsageRecord({ timestamp: contractEpochMs + 2 * hourMs - 1 }); // 11:59:59.999
      const atEnd = makeUsageRecord({ timestamp: contractEpochMs + 2 * hourMs }); // 12:00:00.000
      await Promise.all([before, first, last, atEnd].map((record) => store.book(record)));
      const window = { projectId: "project-a", fromMs: contractEpochMs, toMs: contractEpochMs + 2 * hourMs };
      expect(pickTotals(await store.summarize(window))).toEqual(totalsOf([first, last]));
      const hourBefore = { ...window, fromMs: contractEpochMs - hourMs, toMs: contractEpochMs };
      expect(pickTotals(await store.summarize(hourBefore))).toEqual(totalsOf([before]));
      const allTime = { ...window, fromMs: 0, toMs: contractEpochMs + 100 * hourMs };
      expect(pickTotals(await store.summarize(allTime))).toEqual(totalsOf([before, first, last, atEnd]));
    });

    it("filters by agent and keeps projects apart", async () => {
      const mine = makeUsageRecord({ agentId: "agent-1" });
      const colleague = makeUsageRecord({ agentId: "agent-2" });
      const otherProject = makeUsageRecord({ projectId: "project-b", agentId: "agent-1" });
      await Promise.all([mine, colleague, otherProject].map((record) => store.book(record)));
      const filtered = await store.summarize({ ...day, agentId: "agent-1" });
      expect(pickTotals(filtered)).toEqual(totalsOf([mine]));
      expect(Object.keys(filtered.byAgent)).toEqual(["agent-1"]);
      expect(pickTotals(await store.summarize(day))).toEqual(totalsOf([mine, colleague]));
      const projectB = await store.summarize({ ...day, projectId: "project-b" });
      expect(pickTotals(projectB)).toEqual(totalsOf([otherProject]));
    });

    it("sums to zero with no usage", async () => {
      const summary = await store.summarize(day);
      expect(summary).toEqual({ ...totalsOf([]), byAgent: {}, byModel: {}, byHour: [] });
    });

    it("refuses a window off hour boundaries and a malformed record, booking nothing", async () => {
      await expect(store.summarize({ ...day, fromMs: contractEpochMs + 1 })).rejects.toThrow(RangeError);
      await expect(store.summarize({ ...day, toMs: day.fromMs - hourMs })).rejects.toThrow(RangeError);
      await expect(store.book(makeUsageRecord({ inputTokens: 1.5 }))).rejects.toThrow(/inputTokens/);
      await expect(store.book(makeUsageRecord({ costNanoUsd: -1 }))).rejects.toThrow(/costNanoUsd/);
      await expect(store.book(makeUsageRecord({ agentId: "bad\nagent" }))).rejects.toThrow(/agentId/);
      expect((await store.summarize(day)).requests).toBe(0);
    });

    it("sums exactly over 5,000 concurrent bookings with odd prices and duplicates", async () => {
      const records = Array.from({ length: 5_000 }, (_, index) =>
        makeUsageRecord({
          agentId: `agent-${index % 7}`,
          model: `model-${index % 3}`,
          inputTokens: 1 + ((index * 7_919) % 100_003),
          outputTokens: (index * 104_729) % 8_191,
          cachedInputTokens: index % 13,
          cacheWriteInputTokens: index % 5,
          // Odd nano-USD amounts whose sum passes 2^32 many times over.
          costNanoUsd: 1_000_000_007 + ((index * 2_654_435_761) % 999_999_937),
          timestamp: contractEpochMs + (index % 5) * hourMs + (index % 3_600_000),
        }),
      );
      const duplicates = records.filter((_, index) => index % 10 === 0);
      await Promise.all([...records, ...duplicates].map((record) => store.book(record)));
      const summary = await store.summarize(day);
      const expected = totalsOf(records);
      expect(pickTotals(summary)).toEqual(expected);
      expect(
        records.reduce((sum, record) => sum + BigInt(record.costNanoUsd), 0n),
        "the float sum above stayed exact",
      ).toBe(BigInt(summary.costNanoUsd));
      expect(Object.keys(summary.byAgent)).toHaveLength(7);
      expect(summary.byHour).toHaveLength(5);
      const byHourSum = summary.byHour.reduce((sum, hour) => sum + hour.costNanoUsd, 0);
      expect(byHourSum).toBe(expected.costNanoUsd);
    });

    it("close() commits every pending booking before it resolves; a reopened store sees them", async () => {
      const records = Array.from({ length: 1_000 }, (_, index) => makeUsageRecord({ inputTokens: index }));
      const bookings = records.map((record) => store.book(record));
      await store.close();
      const outcomes = await Promise.allSettled(bookings);
      expect(outcomes.filter((outcome) => outcome.status === "rejected")).toEqual([]);
      await expect(store.book(makeUsageRecord())).rejects.toThrow(/closed/);
      const reopened = await open();
      expect(pickTotals(await reopened.summarize(day))).toEqual(totalsOf(records));
    });

    it("lists each project with usage once, sorted, and keeps the list across a reopen", async () => {
      expect(await store.listProjects()).toEqual([]);
      const records = [
        makeUsageRecord({ projectId: "team.b:web" }),
        makeUsageRecord({ projectId: "project-a" }),
        makeUsageRecord({ projectId: "project-a", agentId: "agent-2", timestamp: contractEpochMs + hourMs }),
        makeUsageRecord({ projectId: "Zeta" }),
      ];
      await Promise.all([...records, records[0] as UsageRecord].map((record) => store.book(record)));
      await expect(store.book(makeUsageRecord({ projectId: "refused", inputTokens: -1 }))).rejects.toThrow();
      expect(await store.listProjects()).toEqual(["Zeta", "project-a", "team.b:web"]);
      await store.close();
      expect(await (await open()).listProjects()).toEqual(["Zeta", "project-a", "team.b:web"]);
    });

    it("reports itself healthy while it works", async () => {
      const health = await store.health();
      expect(health.ok).toBe(true);
      expect(health.journalBacklog).toBe(0);
    });
  });
}
