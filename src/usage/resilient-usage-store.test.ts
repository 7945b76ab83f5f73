import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import type { UsageRecord } from "../core/usage-record.js";
import { createUsageRedisClient } from "./create-usage-redis-client.js";
import { type RedisTestServer, startRedisTestServer } from "./redis-test-server.js";
import { RedisUsageStore } from "./redis-usage-store.js";
import { ResilientUsageStore } from "./resilient-usage-store.js";
import { describeWithRedis } from "./shared-test-redis.js";
import { UsageJournal } from "./usage-journal.js";
import { hourMs } from "./usage-period.js";
import { contractEpochMs, makeUsageRecord, totalsOf } from "./usage-store.contract.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const everything = { projectId: "project-a", fromMs: 0, toMs: contractEpochMs + 24 * hourMs };

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describeWithRedis("ResilientUsageStore against a redis-server that is killed, hung and restarted", () => {
  let server: RedisTestServer;
  let dataDir: string;
  let keyPrefix: string;
  const stores: ResilientUsageStore[] = [];

  beforeAll(async () => {
    // Append-only, so a SIGKILLed Redis comes back with every write it acknowledged.
    server = await startRedisTestServer({ appendOnly: true });
  });
  afterAll(() => server?.stop());
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "usage-resilient-"));
    keyPrefix = `test-${Math.random().toString(36).slice(2)}:`;
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await rm(dataDir, { recursive: true, force: true });
  });

  const openStore = async (options: { staleAfterMs?: number } = {}) => {
    const journal = new UsageJournal({ dataDir, staleAfterMs: options.staleAfterMs ?? 30_000 });
    const store = new ResilientUsageStore({
      redis: new RedisUsageStore({
        client: createUsageRedisClient(server.url, { commandTimeoutMs: 300 }),
        keyPrefix,
      }),
      journal,
      retryIntervalMs: 50,
      readyTimeoutMs: 1_000,
    });
    stores.push(store);
    await store.start();
    return { store, journal };
  };

  /** Books `records` in waves of 50 (booking every `retryEvery`th twice), calling `during(wave)` between waves. */
  async function load(
    { store, journal }: { store: ResilientUsageStore; journal: UsageJournal },
    records: UsageRecord[],
    options: { retryEvery?: number; during: (wave: number) => Promise<void> },
  ) {
    const { retryEvery = Number.POSITIVE_INFINITY, during } = options;
    const bookings: Promise<void>[] = [];
    let maxBacklog = 0;
    for (let wave = 0; wave * 50 < records.length; wave += 1) {
      for (const [index, record] of records.slice(wave * 50, wave * 50 + 50).entries()) {
        bookings.push(store.book(record));
        if (index % retryEvery === 0) bookings.push(store.book(record)); // a retried booking
      }
      await during(wave);
      await sleep(5);
      maxBacklog = Math.max(maxBacklog, journal.backlog());
    }
    const outcomes = await Promise.allSettled(bookings);
    return { rejected: outcomes.filter((outcome) => outcome.status === "rejected"), maxBacklog };
  }

  it("Redis killed mid-load: bookings go to the journal, none fails; after the restart totals are exact", async () => {
    const opened = await openStore();
    const { store } = opened;
    const records = Array.from({ length: 3_000 }, (_, index) =>
      makeUsageRecord({
        agentId: `agent-${index % 4}`,
        costNanoUsd: 123_456_789 + index,
        inputTokens: index,
      }),
    );
    const { rejected, maxBacklog } = await load(opened, records, {
      retryEvery: 7,
      during: async (wave) => {
        if (wave === 15) await server.kill();
        if (wave === 35) await server.restart();
      },
    });
    expect(rejected).toEqual([]);
    expect(maxBacklog).toBeGreaterThan(0);
    await waitFor(
      async () => (await store.health()).ok && (await store.health()).journalBacklog === 0,
      "replay",
    );
    const summary = await store.summarize(everything);
    expect({ ...summary, byAgent: undefined, byModel: undefined, byHour: undefined }).toEqual({
      ...totalsOf(records),
      byAgent: undefined,
      byModel: undefined,
      byHour: undefined,
    });
    expect(await readdir(join(dataDir, "usage-journal"))).toEqual([]);
  });

  it("Redis hung mid-load: timed-out bookings are journaled, and the ones Redis runs late still count once", async () => {
    const opened = await openStore();
    const { store } = opened;
    const records = Array.from({ length: 1_500 }, () => makeUsageRecord());
    const { rejected, maxBacklog } = await load(opened, records, {
      // No retries here: the only second bookings are the timed-out commands Redis runs once resumed.
      during: async (wave) => {
        if (wave === 5) server.pause();
        if (wave > 5 && wave < 20) await sleep(40); // paused for longer than the 300 ms command timeout
        if (wave === 20) server.resume();
      },
    });
    expect(rejected).toEqual([]);
    expect(maxBacklog).toBeGreaterThan(0);
    await waitFor(
      async () => (await store.health()).ok && (await store.health()).journalBacklog === 0,
      "replay",
    );
    expect((await store.summarize(everything)).requests).toBe(1_500);
  });

  it("replays on start a journal left on disk by a dead process", async () => {
    const directory = join(dataDir, "usage-journal");
    await mkdir(directory, { recursive: true });
    const orphaned = Array.from({ length: 40 }, () => makeUsageRecord());
    const file = join(directory, "live.deadhost-999-0badf00d.ndjson");
    await writeFile(file, orphaned.map((record) => `${JSON.stringify(record)}\n`).join(""));
    const longAgo = new Date(Date.now() - 120_000);
    await utimes(file, longAgo, longAgo);
    const { store } = await openStore();
    expect((await store.summarize(everything)).requests).toBe(40);
    expect(await readdir(directory)).toEqual([]);
    expect((await store.health()).journalBacklog).toBe(0);
  });

  it("close() leaves nothing in flight: bookings land in the journal, and the next process replays them", async () => {
    const { store } = await openStore();
    await server.kill();
    const records = Array.from({ length: 200 }, () => makeUsageRecord());
    const bookings = records.map((record) => store.book(record));
    await store.close();
    expect((await Promise.allSettled(bookings)).every((outcome) => outcome.status === "fulfilled")).toBe(
      true,
    );
    expect((await readdir(join(dataDir, "usage-journal"))).length).toBe(1);
    await server.restart();
    await sleep(150);
    const { store: next } = await openStore({ staleAfterMs: 100 });
    expect((await next.summarize(everything)).requests).toBe(200);
  });

  it("reports backend, reachability, backlog and writability in health()", async () => {
    const { store } = await openStore();
    expect(await store.health()).toEqual({
      backend: "redis",
      ok: true,
      journalBacklog: 0,
      journalWritable: true,
    });
    await server.kill();
    await store.book(makeUsageRecord());
    await store.book(makeUsageRecord());
    expect(await store.health()).toMatchObject({
      backend: "redis",
      ok: false,
      journalBacklog: 2,
      journalWritable: true,
    });
    await server.restart();
    await waitFor(async () => (await store.health()).journalBacklog === 0, "replay");
    expect(await store.health()).toEqual({
      backend: "redis",
      ok: true,
      journalBacklog: 0,
      journalWritable: true,
    });
    expect((await store.summarize(everything)).requests).toBe(2);
  });

  it("lists projects from Redis: fails while it is down; a project booked only to the journal shows after replay", async () => {
    const { store } = await openStore();
    await store.book(makeUsageRecord({ projectId: "before-outage" }));
    await server.kill();
    await store.book(makeUsageRecord({ projectId: "during-outage" }));
    await expect(store.listProjects()).rejects.toThrow();
    await server.restart();
    await waitFor(
      async () => (await store.health()).ok && (await store.health()).journalBacklog === 0,
      "replay",
    );
    expect(await store.listProjects()).toEqual(["before-outage", "during-outage"]);
  });

  it("a booking Redis counted but whose project-set SADD it refused is journaled, and the replay lists the project", async () => {
    const admin = new Redis(server.url);
    await admin.acl("SETUSER", "no-sadd", "on", ">secret-password", "~*", "&*", "+@all", "-sadd");
    const journal = new UsageJournal({ dataDir, staleAfterMs: 30_000 });
    const store = new ResilientUsageStore({
      redis: new RedisUsageStore({
        client: createUsageRedisClient(server.url.replace("//", "//no-sadd:secret-password@")),
        keyPrefix,
      }),
      journal,
      retryIntervalMs: 50,
      readyTimeoutMs: 1_000,
    });
    stores.push(store);
    try {
      await store.start();
      await store.book(makeUsageRecord({ projectId: "project-a" }));
      expect(journal.backlog()).toBe(1);
      await admin.acl("SETUSER", "no-sadd", "+sadd");
      await waitFor(async () => journal.backlog() === 0, "replay");
      expect(await store.listProjects()).toEqual(["project-a"]);
      expect((await store.summarize(everything)).requests).toBe(1);
    } finally {
      await admin.acl("DELUSER", "no-sadd");
      await admin.quit();
    }
  });

  it("rejects a booking only when Redis is down AND the journal cannot be written", async () => {
    await writeFile(join(dataDir, "usage-journal"), "a file where the journal directory should be");
    const { store } = await openStore();
    await store.book(makeUsageRecord()); // Redis up: the broken journal does not matter
    await server.kill();
    try {
      await expect(store.book(makeUsageRecord())).rejects.toThrow();
      expect(await store.health()).toMatchObject({ ok: false, journalWritable: false });
    } finally {
      await server.restart();
    }
    await waitFor(async () => (await store.health()).ok, "Redis back");
    await store.book(makeUsageRecord());
    expect((await store.summarize(everything)).requests).toBe(2);
  });
});
