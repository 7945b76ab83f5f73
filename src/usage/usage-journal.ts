import { randomBytes } from "node:crypto";
import { constants, createReadStream } from "node:fs";
import {
  access,
  type FileHandle,
  mkdir,
  open,
  readdir,
  rename,
  stat,
  statfs,
  unlink,
  utimes,
} from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { UsageRecord } from "../core/usage-record.js";
import { assertValidUsageRecord } from "./assert-valid-usage-record.js";
import { errorMessage, silentUsageLogger, type UsageLogger } from "./usage-logger.js";

export interface UsageJournalOptions {
  /** Journal files live in `<dataDir>/usage-journal/`. */
  dataDir: string;
  logger?: UsageLogger;
  /** How often this process touches the files it owns, to show it is alive. */
  leaseRefreshMs?: number;
  /** A file untouched for this long belongs to a dead process; any process may claim and replay it. */
  staleAfterMs?: number;
  /** Records handed to `book` at once during a replay. */
  replayBatchSize?: number;
}

/** Books replayed records; must be idempotent (the same request id counts once). */
export type BookRecords = (records: UsageRecord[]) => Promise<void>;

interface OwnedFile {
  /** Lines not yet replayed (an estimate for a file claimed from another process). */
  remaining: number;
  /** Lines already booked by an earlier, interrupted replay: skipped next time. */
  done: number;
}

interface PendingAppend {
  line: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const liveName = /^live\.([A-Za-z0-9-]+)\.ndjson$/;
const claimedName = /^claimed\.([A-Za-z0-9-]+)\.\d+\.ndjson$/;
const minimumFreeBytes = 1024 * 1024;

/**
 * The store of last resort: an append-only NDJSON file per process under the
 * data dir, written while Redis is unreachable and replayed once it answers.
 *
 * - Durability: appends of one moment are written together and fdatasync'd
 *   once (group commit); `append` resolves only after that, so a journaled
 *   booking survives a crash of the process and of the machine.
 * - Rotation: a replay first renames the live file to a `claimed.*` file and
 *   later appends open a new live file, so nothing appended during a replay
 *   is lost; a claimed file is deleted only after all its records were booked.
 * - Several processes may share the data dir. Each touches its own files
 *   every `leaseRefreshMs`; a file untouched for `staleAfterMs` belongs to a
 *   dead process and is claimed by atomic rename (exactly one process wins)
 *   and replayed. A live process never writes to a file whose lease it has
 *   not renewed within `staleAfterMs / 2`, so only a process stalled for
 *   longer than that can see a file claimed under it (it then starts a new one).
 */
export class UsageJournal {
  readonly directory: string;
  readonly instanceId: string;
  readonly #livePath: string;
  readonly #logger: UsageLogger;
  readonly #leaseRefreshMs: number;
  readonly #staleAfterMs: number;
  readonly #replayBatchSize: number;
  readonly #owned = new Map<string, OwnedFile>();
  readonly #leaseTimer: NodeJS.Timeout;
  #live: FileHandle | undefined;
  #liveTouchedAt = 0;
  #liveCount = 0;
  #pending: PendingAppend[] = [];
  #appendQueued = false;
  #needsLineBreak = false;
  #lastAppendError: unknown;
  #fileOps: Promise<unknown> = Promise.resolve();
  #replaying: Promise<number> | undefined;
  #claimSequence = 0;
  #closed = false;

  constructor(options: UsageJournalOptions) {
    this.directory = join(options.dataDir, "usage-journal");
    this.instanceId = `${hostname().replace(/[^A-Za-z0-9-]/g, "-")}-${process.pid}-${randomBytes(4).toString("hex")}`;
    this.#livePath = join(this.directory, `live.${this.instanceId}.ndjson`);
    this.#logger = options.logger ?? silentUsageLogger;
    this.#leaseRefreshMs = options.leaseRefreshMs ?? 5_000;
    this.#staleAfterMs = options.staleAfterMs ?? 30_000;
    this.#replayBatchSize = options.replayBatchSize ?? 500;
    this.#leaseTimer = setInterval(() => {
      void this.#runFileOp(() => this.#refreshLeases()).catch((error) =>
        this.#logger.warn({ error: errorMessage(error) }, "usage journal: lease refresh failed"),
      );
    }, this.#leaseRefreshMs);
    this.#leaseTimer.unref();
  }

  /** Appends durably (written and fdatasync'd before it resolves); rejects when the journal cannot be written. */
  append(record: UsageRecord): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("the usage journal is closed"));
    const line = `${JSON.stringify(record)}\n`;
    return new Promise((resolve, reject) => {
      this.#pending.push({ line, resolve, reject });
      if (this.#appendQueued) return;
      this.#appendQueued = true;
      void this.#runFileOp(() => this.#writePending());
    });
  }

  /** Records this process holds in journal files, waiting to be replayed. */
  backlog(): number {
    let count = this.#liveCount + this.#pending.length;
    for (const file of this.#owned.values()) count += file.remaining;
    return count;
  }

  /**
   * Whether an append would succeed now: the directory is writable and the
   * disk not full; after a failed append, only once a real write (an empty
   * line, which replay skips) succeeds again.
   */
  async writable(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      await mkdir(this.directory, { recursive: true });
      await access(this.directory, constants.W_OK);
      const disk = await statfs(this.directory);
      if (disk.bavail * disk.bsize < minimumFreeBytes) return false;
      if (this.#lastAppendError !== undefined) await this.#runFileOp(() => this.#probeWrite());
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Books every record this process journaled, then the journals of dead
   * processes, deleting each file once all of it was booked. Stops at the
   * first failing `book` (rethrowing it), or between batches once `signal`
   * aborts, and resumes from there next time. Concurrent calls share one run.
   * Returns how many records were booked.
   */
  replay(book: BookRecords, signal?: AbortSignal): Promise<number> {
    this.#replaying ??= this.#replayAll(book, signal).finally(() => {
      this.#replaying = undefined;
    });
    return this.#replaying;
  }

  /** Writes what is pending and releases the file; journaled records stay on disk for the next replay. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#leaseTimer);
    await this.#replaying?.catch(() => undefined);
    await this.#runFileOp(async () => {
      await this.#live?.close();
      this.#live = undefined;
    });
  }

  /** Serialises everything that touches the live file: appends, rotation, lease checks. */
  #runFileOp<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#fileOps.then(operation);
    this.#fileOps = result.catch(() => undefined);
    return result;
  }

  async #writePending(): Promise<void> {
    this.#appendQueued = false;
    const batch = this.#pending.splice(0);
    if (batch.length === 0) return;
    try {
      const live = await this.#openLive();
      // A failed write may have left a partial line; start on a fresh one so the next record stays readable.
      const text = (this.#needsLineBreak ? "\n" : "") + batch.map((pending) => pending.line).join("");
      await live.appendFile(text);
      await live.datasync();
      this.#needsLineBreak = false;
      this.#lastAppendError = undefined;
      this.#liveCount += batch.length;
    } catch (error) {
      this.#needsLineBreak = true;
      this.#lastAppendError = error;
      await this.#live?.close().catch(() => undefined);
      this.#live = undefined;
      this.#logger.error(
        { error: errorMessage(error), records: batch.length },
        "usage journal: append failed",
      );
      for (const pending of batch) pending.reject(error);
      return;
    }
    for (const pending of batch) pending.resolve();
  }

  async #probeWrite(): Promise<void> {
    const live = await this.#openLive();
    await live.appendFile("\n");
    await live.datasync();
    this.#needsLineBreak = false;
    this.#lastAppendError = undefined;
  }

  async #openLive(): Promise<FileHandle> {
    if (this.#live !== undefined && Date.now() - this.#liveTouchedAt > this.#staleAfterMs / 2) {
      await this.#touchLive();
    }
    if (this.#live === undefined) {
      await mkdir(this.directory, { recursive: true });
      this.#live = await open(this.#livePath, "a");
      this.#liveTouchedAt = Date.now();
      await syncDirectory(this.directory);
    }
    return this.#live;
  }

  /** Renews the live file's lease; if another process claimed it (we stalled), lets go of it. */
  async #touchLive(): Promise<void> {
    const now = new Date();
    try {
      await utimes(this.#livePath, now, now);
      this.#liveTouchedAt = now.getTime();
    } catch (error) {
      if (!isMissing(error)) throw error;
      this.#logger.warn(
        { file: this.#livePath },
        "usage journal: another process claimed our live file; starting a new one",
      );
      await this.#live?.close().catch(() => undefined);
      this.#live = undefined;
      this.#liveCount = 0;
    }
  }

  async #refreshLeases(): Promise<void> {
    if (this.#live !== undefined) await this.#touchLive();
    const now = new Date();
    for (const path of this.#owned.keys()) {
      try {
        await utimes(path, now, now);
      } catch (error) {
        if (!isMissing(error)) throw error;
        this.#owned.delete(path);
        this.#logger.warn({ file: path }, "usage journal: another process claimed a file we held");
      }
    }
  }

  async #replayAll(book: BookRecords, signal: AbortSignal | undefined): Promise<number> {
    await this.#runFileOp(() => this.#rotateLive());
    await this.#claimStaleFiles();
    let replayed = 0;
    for (const [path, file] of [...this.#owned]) {
      if (signal?.aborted) break;
      replayed += await this.#replayFile(path, file, book, signal);
    }
    return replayed;
  }

  /** Moves the live file aside so appends made during the replay go to a new one. */
  async #rotateLive(): Promise<void> {
    if (this.#live === undefined || this.#liveCount === 0) return;
    await this.#live.close();
    this.#live = undefined;
    const claimed = this.#nextClaimedPath();
    try {
      await rename(this.#livePath, claimed);
    } catch (error) {
      if (!isMissing(error)) throw error;
      this.#liveCount = 0;
      return;
    }
    await syncDirectory(this.directory);
    this.#owned.set(claimed, { remaining: this.#liveCount, done: 0 });
    this.#liveCount = 0;
  }

  async #claimStaleFiles(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for (const name of names) {
      const owner = liveName.exec(name)?.[1] ?? claimedName.exec(name)?.[1];
      if (owner === undefined || owner === this.instanceId) continue;
      const path = join(this.directory, name);
      try {
        if (Date.now() - (await stat(path)).mtimeMs < this.#staleAfterMs) continue;
        const claimed = this.#nextClaimedPath();
        await rename(path, claimed); // atomic: of several claimers exactly one succeeds
        const now = new Date();
        await utimes(claimed, now, now);
        const remaining = await countLines(claimed);
        this.#owned.set(claimed, { remaining, done: 0 });
        this.#logger.info(
          { file: name, records: remaining },
          "usage journal: claimed the journal of a dead process",
        );
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    }
  }

  async #replayFile(
    path: string,
    file: OwnedFile,
    book: BookRecords,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    const lines = createInterface({
      input: createReadStream(path, { encoding: "utf8" }),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    let lineNumber = 0;
    let booked = 0;
    let batch: UsageRecord[] = [];
    const flush = async (upToLine: number) => {
      if (batch.length > 0) await book(batch);
      booked += batch.length;
      file.remaining = Math.max(0, file.remaining - (upToLine - file.done));
      file.done = upToLine;
      batch = [];
    };
    try {
      for await (const line of lines) {
        lineNumber += 1;
        if (lineNumber <= file.done || line.trim() === "") continue;
        const record = parseJournalLine(line);
        if (record === undefined) {
          this.#logger.error(
            { file: path, line: lineNumber, text: line.slice(0, 2_000) },
            "usage journal: unreadable line skipped",
          );
          continue;
        }
        batch.push(record);
        if (batch.length < this.#replayBatchSize) continue;
        await flush(lineNumber);
        if (signal?.aborted) return booked;
      }
      await flush(lineNumber);
    } finally {
      lines.close();
    }
    this.#owned.delete(path);
    await unlink(path).catch((error) => {
      if (!isMissing(error)) throw error;
    });
    return booked;
  }

  #nextClaimedPath(): string {
    this.#claimSequence += 1;
    return join(this.directory, `claimed.${this.instanceId}.${this.#claimSequence}.ndjson`);
  }
}

function parseJournalLine(line: string): UsageRecord | undefined {
  try {
    const value: unknown = JSON.parse(line);
    assertValidUsageRecord(value);
    return value;
  } catch {
    return undefined;
  }
}

async function countLines(path: string): Promise<number> {
  let count = 0;
  for await (const chunk of createReadStream(path)) {
    for (const byte of chunk as Buffer) if (byte === 0x0a) count += 1;
  }
  return count;
}

/** Makes a created or renamed entry itself durable, not only the file's content. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}
