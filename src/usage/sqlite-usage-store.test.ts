import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteUsageStore } from "./sqlite-usage-store.js";
import { hourMs } from "./usage-period.js";
import { contractEpochMs, makeUsageRecord, runUsageStoreContract } from "./usage-store.contract.js";

runUsageStoreContract("sqlite", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "usage-sqlite-"));
  return {
    open: async () => new SqliteUsageStore({ dataDir }),
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
});

describe("SqliteUsageStore", () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "usage-sqlite-"));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it("keeps one full row per request id in <dataDir>/usage.sqlite, in WAL mode", async () => {
    const store = new SqliteUsageStore({ dataDir });
    const record = makeUsageRecord({ modelGroup: null, estimated: true, outcome: "partial", door: "openai" });
    await store.book(record);
    await store.book(record);
    await store.close();
    const db = new Database(join(dataDir, "usage.sqlite"), { readonly: true });
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      const rows = db.prepare("SELECT * FROM usage_records").all();
      expect(rows).toEqual([
        {
          request_id: record.requestId,
          project_id: record.projectId,
          agent_id: record.agentId,
          model_group: null,
          provider: record.provider,
          model: record.model,
          kind: "chat",
          door: "openai",
          input_tokens: record.inputTokens,
          output_tokens: record.outputTokens,
          cached_input_tokens: record.cachedInputTokens,
          cache_write_input_tokens: record.cacheWriteInputTokens,
          cost_nano_usd: record.costNanoUsd,
          latency_ms: record.latencyMs,
          outcome: "partial",
          estimated: 1,
          timestamp_ms: record.timestamp,
          cache_hit: 0,
          saved_nano_usd: 0,
        },
      ]);
    } finally {
      db.close();
    }
  });

  it("adds the cache columns to a file made before them, keeping its rows", async () => {
    const old = new Database(join(dataDir, "usage.sqlite"));
    old.exec(`CREATE TABLE usage_records (request_id TEXT PRIMARY KEY, project_id TEXT NOT NULL,
      agent_id TEXT NOT NULL, model_group TEXT, provider TEXT NOT NULL, model TEXT NOT NULL, kind TEXT NOT NULL,
      door TEXT NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
      cached_input_tokens INTEGER NOT NULL, cache_write_input_tokens INTEGER NOT NULL,
      cost_nano_usd INTEGER NOT NULL, latency_ms INTEGER NOT NULL, outcome TEXT NOT NULL,
      estimated INTEGER NOT NULL, timestamp_ms INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE usage_hourly (project_id TEXT NOT NULL, hour_start_ms INTEGER NOT NULL,
      agent_id TEXT NOT NULL, model TEXT NOT NULL, requests INTEGER NOT NULL, input_tokens INTEGER NOT NULL,
      output_tokens INTEGER NOT NULL, cached_input_tokens INTEGER NOT NULL,
      cache_write_input_tokens INTEGER NOT NULL, cost_nano_usd INTEGER NOT NULL,
      PRIMARY KEY (project_id, hour_start_ms, agent_id, model)) WITHOUT ROWID;`);
    const hourStartMs = contractEpochMs;
    old
      .prepare("INSERT INTO usage_hourly VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .run("project-a", hourStartMs, "agent-1", "gpt-4.1", 1, 10, 2, 0, 0, 500);
    old.close();
    const store = new SqliteUsageStore({ dataDir });
    await store.book(
      makeUsageRecord({ cacheHit: true, savedNanoUsd: 700, costNanoUsd: 0, model: "gpt-4.1" }),
    );
    const summary = await store.summarize({
      projectId: "project-a",
      fromMs: hourStartMs,
      toMs: hourStartMs + hourMs,
    });
    await store.close();
    expect(summary).toMatchObject({ requests: 2, costNanoUsd: 500, cacheHits: 1, savedNanoUsd: 700 });
  });

  it("fails closed: a booking that cannot be committed rejects, and health says so until writes work again", async () => {
    const store = new SqliteUsageStore({ dataDir, busyTimeoutMs: 20 });
    await store.book(makeUsageRecord());
    // Another connection (another process sharing the file) holds the write lock.
    const other = new Database(join(dataDir, "usage.sqlite"));
    other.exec("BEGIN IMMEDIATE");
    const blocked = makeUsageRecord();
    await expect(store.book(blocked)).rejects.toThrow(/locked|busy/i);
    expect(await store.health()).toMatchObject({ backend: "sqlite", ok: false, journalWritable: false });
    other.exec("ROLLBACK");
    other.close();
    await store.book(blocked);
    expect(await store.health()).toMatchObject({ ok: true });
    const summary = await store.summarize({
      projectId: "project-a",
      fromMs: 0,
      toMs: contractEpochMs + hourMs,
    });
    expect(summary.requests).toBe(2);
    await store.close();
    expect(await store.health()).toMatchObject({ ok: false, detail: "closed" });
  });

  it("commits a burst in batches without losing or reordering anything", async () => {
    const store = new SqliteUsageStore({ dataDir, maxBatchSize: 64 });
    const records = Array.from({ length: 1_000 }, (_, index) => makeUsageRecord({ outputTokens: index }));
    await Promise.all(records.map((record) => store.book(record)));
    const summary = await store.summarize({
      projectId: "project-a",
      fromMs: 0,
      toMs: contractEpochMs + hourMs,
    });
    expect(summary.requests).toBe(1_000);
    expect(summary.outputTokens).toBe((999 * 1_000) / 2);
    await store.close();
  });
});

describe("SqliteUsageStore booking cost (measured, logged, not asserted)", () => {
  it("times sequential and concurrent bookings", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "usage-sqlite-measure-"));
    const store = new SqliteUsageStore({ dataDir });
    try {
      const sequential = 200;
      let started = performance.now();
      for (let index = 0; index < sequential; index += 1) await store.book(makeUsageRecord());
      const sequentialMs = (performance.now() - started) / sequential;
      const concurrent = 10_000;
      const records = Array.from({ length: concurrent }, () => makeUsageRecord());
      started = performance.now();
      await Promise.all(records.map((record) => store.book(record)));
      const concurrentMs = (performance.now() - started) / concurrent;
      console.info(
        `[booking cost] sqlite: ${sequentialMs.toFixed(3)} ms per booking awaited one by one (${sequential}, each waits out the commit window); ` +
          `${(concurrentMs * 1000).toFixed(1)} µs per booking for ${concurrent} concurrent (batched commits)`,
      );
      const summary = await store.summarize({
        projectId: "project-a",
        fromMs: 0,
        toMs: contractEpochMs + hourMs,
      });
      expect(summary.requests).toBe(sequential + concurrent);
    } finally {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
