import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { UsageRecord } from "../core/usage-record.js";
import { UsageJournal, type UsageJournalOptions } from "./usage-journal.js";
import type { UsageLogger } from "./usage-logger.js";
import { makeUsageRecord } from "./usage-store.contract.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A `book` that remembers every request id it was given, and how often. */
function recordingBook() {
  const counts = new Map<string, number>();
  const book = async (records: UsageRecord[]) => {
    for (const record of records) counts.set(record.requestId, (counts.get(record.requestId) ?? 0) + 1);
  };
  return { book, counts };
}

describe("UsageJournal", () => {
  let dataDir: string;
  const journals: UsageJournal[] = [];
  const openJournal = (options: Partial<UsageJournalOptions> = {}) => {
    const journal = new UsageJournal({ dataDir, ...options });
    journals.push(journal);
    return journal;
  };
  const files = async () => (await readdir(join(dataDir, "usage-journal")).catch(() => [])).sort();

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "usage-journal-"));
  });
  afterEach(async () => {
    await Promise.all(journals.splice(0).map((journal) => journal.close()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it("appends records as NDJSON in its own file, then replays each once and removes the file", async () => {
    const journal = openJournal();
    const records = Array.from({ length: 1_200 }, () => makeUsageRecord());
    await Promise.all(records.map((record) => journal.append(record)));
    expect(journal.backlog()).toBe(1_200);
    expect(await files()).toEqual([`live.${journal.instanceId}.ndjson`]);
    const text = await readFile(join(journal.directory, `live.${journal.instanceId}.ndjson`), "utf8");
    expect(
      text
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual(records);

    const { book, counts } = recordingBook();
    expect(await journal.replay(book)).toBe(1_200);
    expect([...counts.keys()]).toEqual(records.map((record) => record.requestId));
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(journal.backlog()).toBe(0);
    expect(await files()).toEqual([]);
    expect(await journal.replay(book)).toBe(0);
  });

  it("never loses an append made while a replay runs: it lands in a new file, replayed next time", async () => {
    const journal = openJournal({ replayBatchSize: 10 });
    const before = Array.from({ length: 100 }, () => makeUsageRecord());
    await Promise.all(before.map((record) => journal.append(record)));
    const { book, counts } = recordingBook();
    const during: UsageRecord[] = [];
    const slowBook = async (records: UsageRecord[]) => {
      // Each replayed batch lets appends in before it is confirmed.
      const record = makeUsageRecord();
      during.push(record);
      await journal.append(record);
      await book(records);
    };
    expect(await journal.replay(slowBook)).toBe(100);
    expect(during).toHaveLength(10);
    expect(journal.backlog()).toBe(10);
    expect(await journal.replay(book)).toBe(10);
    expect(counts.size).toBe(110);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(journal.backlog()).toBe(0);
  });

  it("stops at a failing booking, keeps the file, and resumes after what was already booked", async () => {
    const journal = openJournal({ replayBatchSize: 50 });
    const records = Array.from({ length: 200 }, () => makeUsageRecord());
    await Promise.all(records.map((record) => journal.append(record)));
    const { book, counts } = recordingBook();
    let calls = 0;
    const failingSecondBatch = async (batch: UsageRecord[]) => {
      calls += 1;
      if (calls === 2) throw new Error("Redis went away");
      await book(batch);
    };
    await expect(journal.replay(failingSecondBatch)).rejects.toThrow(/went away/);
    expect(counts.size).toBe(50);
    expect(journal.backlog()).toBe(150);
    expect((await files()).filter((name) => name.startsWith("claimed."))).toHaveLength(1);
    expect(await journal.replay(book)).toBe(150);
    expect(counts.size).toBe(200);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(await files()).toEqual([]);
  });

  it("stops between batches once its signal aborts (shutdown), keeping the rest for later", async () => {
    const journal = openJournal({ replayBatchSize: 10 });
    await Promise.all(Array.from({ length: 100 }, () => journal.append(makeUsageRecord())));
    const { book, counts } = recordingBook();
    const shutdown = new AbortController();
    const abortingBook = async (records: UsageRecord[]) => {
      await book(records);
      shutdown.abort();
    };
    expect(await journal.replay(abortingBook, shutdown.signal)).toBe(10);
    expect(journal.backlog()).toBe(90);
    expect(await journal.replay(book)).toBe(90);
    expect(counts.size).toBe(100);
  });

  it("replays the journal of a dead process, skipping an unreadable torn last line", async () => {
    const errors: object[] = [];
    const logger: UsageLogger = { info() {}, warn() {}, error: (details) => void errors.push(details) };
    const dead = Array.from({ length: 3 }, () => makeUsageRecord());
    const directory = join(dataDir, "usage-journal");
    await rm(directory, { recursive: true, force: true });
    await mkdir(directory, { recursive: true });
    const deadFile = join(directory, "live.otherhost-4242-deadbeef.ndjson");
    const torn = JSON.stringify(makeUsageRecord()).slice(0, 40);
    await writeFile(deadFile, `${dead.map((record) => JSON.stringify(record)).join("\n")}\n${torn}`);
    const fresh = join(directory, "live.otherhost-4243-cafecafe.ndjson");
    await writeFile(fresh, `${JSON.stringify(makeUsageRecord())}\n`);
    const aMinuteAgo = new Date(Date.now() - 60_000);
    await utimes(deadFile, aMinuteAgo, aMinuteAgo);

    const journal = openJournal({ logger });
    const { book, counts } = recordingBook();
    expect(await journal.replay(book)).toBe(3);
    expect([...counts.keys()]).toEqual(dead.map((record) => record.requestId));
    expect(errors).toEqual([expect.objectContaining({ line: 4, text: torn })]);
    // A file touched within staleAfterMs belongs to a live process: left alone.
    expect(await files()).toEqual(["live.otherhost-4243-cafecafe.ndjson"]);
  });

  it("lets exactly one of several processes claim each dead journal", async () => {
    const directory = join(dataDir, "usage-journal");
    await mkdir(directory, { recursive: true });
    const all: UsageRecord[] = [];
    const old = new Date(Date.now() - 60_000);
    for (let file = 0; file < 8; file += 1) {
      const records = Array.from({ length: 25 }, () => makeUsageRecord());
      all.push(...records);
      const path = join(directory, `claimed.deadhost-${file}-0000000${file}.1.ndjson`);
      await writeFile(path, records.map((record) => `${JSON.stringify(record)}\n`).join(""));
      await utimes(path, old, old);
    }
    const { book, counts } = recordingBook();
    const replayers = [openJournal(), openJournal(), openJournal()];
    const booked = await Promise.all(replayers.map((journal) => journal.replay(book)));
    expect(booked.reduce((sum, count) => sum + count, 0)).toBe(200);
    expect(counts.size).toBe(200);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(new Set(all.map((record) => record.requestId))).toEqual(new Set(counts.keys()));
    expect(await files()).toEqual([]);
  });

  it("keeps a live process's journal out of reach while it renews its lease, and frees it when it stops", async () => {
    // A renewal every 20 ms against a 600 ms staleness: only a stall of over half a second breaks it.
    const owner = openJournal({ leaseRefreshMs: 20, staleAfterMs: 600 });
    const other = openJournal({ leaseRefreshMs: 20, staleAfterMs: 600 });
    await owner.append(makeUsageRecord());
    await sleep(800);
    const { book, counts } = recordingBook();
    expect(await other.replay(book)).toBe(0);
    expect(await files()).toEqual([`live.${owner.instanceId}.ndjson`]);
    await owner.close();
    await sleep(800);
    expect(await other.replay(book)).toBe(1);
    expect(counts.size).toBe(1);
  });

  it("a stalled owner whose file was claimed writes its next records to a new file, so none is lost", async () => {
    // No lease refresh within staleAfterMs: the owner looks dead, like a process stopped for a minute.
    const stalled = openJournal({ leaseRefreshMs: 60_000, staleAfterMs: 100 });
    const claimer = openJournal({ leaseRefreshMs: 60_000, staleAfterMs: 100 });
    const first = makeUsageRecord();
    await stalled.append(first);
    await sleep(200);
    const { book, counts } = recordingBook();
    expect(await claimer.replay(book)).toBe(1);
    const second = makeUsageRecord();
    await stalled.append(second);
    expect(await files()).toEqual([`live.${stalled.instanceId}.ndjson`]);
    expect(await stalled.replay(book)).toBe(1);
    expect([...counts.keys()]).toEqual([first.requestId, second.requestId]);
  });

  it("rejects appends and reports itself unwritable when its directory cannot be created", async () => {
    await writeFile(join(dataDir, "usage-journal"), "not a directory");
    const journal = openJournal();
    await expect(journal.append(makeUsageRecord())).rejects.toThrow();
    expect(await journal.writable()).toBe(false);
    expect(journal.backlog()).toBe(0);
    await journal.close();
    await expect(journal.append(makeUsageRecord())).rejects.toThrow(/closed/);
  });

  it("recovers after a failed append and keeps later records readable", async () => {
    const journal = openJournal();
    await journal.append(makeUsageRecord());
    expect(await journal.writable()).toBe(true);
    // The directory disappears (an operator cleaned up) and a file takes its place: appends fail.
    await journal.close();
    const broken = openJournal();
    await rm(join(dataDir, "usage-journal"), { recursive: true });
    await writeFile(join(dataDir, "usage-journal"), "");
    await expect(broken.append(makeUsageRecord())).rejects.toThrow();
    expect(await broken.writable()).toBe(false);
    await rm(join(dataDir, "usage-journal"));
    expect(await broken.writable()).toBe(true);
    const later = makeUsageRecord();
    await broken.append(later);
    const { book, counts } = recordingBook();
    expect(await broken.replay(book)).toBe(1);
    expect([...counts.keys()]).toEqual([later.requestId]);
  });
});
