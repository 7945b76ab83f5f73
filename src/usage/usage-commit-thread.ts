import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { UsageRecord } from "../core/usage-record.js";

export interface UsageCommitWorkerData {
  /** The usage.sqlite file, its schema already made by the store. */
  path: string;
  busyTimeoutMs: number;
}

export type UsageCommitRequest =
  | { id: number; records: readonly UsageRecord[]; close?: undefined }
  | { close: true };

export interface UsageCommitReply {
  id: number;
  /** Why the transaction failed; nothing of the batch was committed. */
  error?: string;
}

interface RunningThread {
  worker: Worker;
  waiting: Map<number, { resolve: () => void; reject: (error: Error) => void }>;
}

/**
 * Commits usage batches on a worker thread with its own connection, so the fsync of a commit never
 * stalls the requests on the event loop. Started at the first commit (a process that only reads
 * usage never starts it); a thread that dies fails its waiting commits, and the next commit starts
 * another. While a commit waits, the thread keeps the process alive, as a pending timer would.
 */
export class UsageCommitThread {
  readonly #data: UsageCommitWorkerData;
  #running: RunningThread | undefined;
  #nextId = 1;

  constructor(data: UsageCommitWorkerData) {
    this.#data = data;
  }

  commit(records: readonly UsageRecord[]): Promise<void> {
    const running = this.#running ?? this.#start();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      running.waiting.set(id, { resolve, reject });
      running.worker.ref();
      running.worker.postMessage({ id, records } satisfies UsageCommitRequest);
    });
  }

  /** Commits already sent are answered first: the thread handles its messages in order. */
  async close(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    this.#running = undefined;
    const exited = new Promise<void>((resolve) => running.worker.once("exit", () => resolve()));
    // An idle thread is unref'd: without this, a process with nothing else to do would exit mid-close.
    running.worker.ref();
    running.worker.postMessage({ close: true } satisfies UsageCommitRequest);
    await exited;
  }

  #start(): RunningThread {
    const worker = spawnCommitWorker(this.#data);
    const running: RunningThread = { worker, waiting: new Map() };
    worker.on("message", (reply: UsageCommitReply) => {
      const waiting = running.waiting.get(reply.id);
      running.waiting.delete(reply.id);
      if (running.waiting.size === 0) worker.unref();
      if (reply.error === undefined) waiting?.resolve();
      else waiting?.reject(new Error(reply.error));
    });
    const failWaiting = (error: Error) => {
      if (this.#running === running) this.#running = undefined;
      for (const waiting of running.waiting.values()) waiting.reject(error);
      running.waiting.clear();
    };
    worker.on("error", (error: unknown) =>
      failWaiting(new Error(`the usage commit thread failed: ${threadErrorText(error)}`)),
    );
    worker.on("exit", (code) => failWaiting(new Error(`the usage commit thread exited (code ${code})`)));
    worker.unref();
    this.#running = running;
    return running;
  }
}

function threadErrorText(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  // A better-sqlite3 error thrown in the thread arrives as a plain object: {code: "SQLITE_NOTADB"}.
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : String(error);
}

function spawnCommitWorker(workerData: UsageCommitWorkerData): Worker {
  const compiled = new URL("./sqlite-usage-commit-worker.js", import.meta.url);
  if (existsSync(compiled)) return new Worker(compiled, { workerData });
  return new Worker(workerBundledFromSources(), { eval: true, workerData });
}

let bundledFromSources: string | undefined;

/**
 * Run from sources (the test runner) there is no .js beside this file: esbuild bundles the worker's
 * TypeScript into one script, once per process (a few ms; a TypeScript loader in the thread costs 300).
 */
function workerBundledFromSources(): string {
  if (bundledFromSources !== undefined) return bundledFromSources;
  const esbuild = createRequire(import.meta.url)("esbuild") as typeof import("esbuild");
  const built = esbuild.buildSync({
    entryPoints: [fileURLToPath(new URL("./sqlite-usage-commit-worker.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "cjs",
    external: ["better-sqlite3"],
    write: false,
  });
  bundledFromSources = built.outputFiles[0]?.text ?? "";
  return bundledFromSources;
}
