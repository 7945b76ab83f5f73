import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GatewayError } from "../core/gateway-error.js";
import { SqliteJobStore } from "../jobs/sqlite-job-store.js";
import { BackgroundJobs, type JobRun } from "./background-jobs.js";

const timings = { heartbeatMs: 50, textWriteMs: 10, pollMs: 10, cancelWaitMs: 2_000 };
const logger = pino({ level: "silent" });

/** Runs until its signal aborts, writing one word first. */
const untilAborted: JobRun<string> = (signal, onText) => {
  onText("partial");
  return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
};

describe("BackgroundJobs on one SQLite file shared by two instances (replicas without a cancellation bus)", () => {
  let dataDir: string;
  let stores: SqliteJobStore[];
  let running: BackgroundJobs<string>;
  let other: BackgroundJobs<string>;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), "llmgw-background-jobs-"));
    stores = [0, 1].map(() => new SqliteJobStore({ dataDir, ttlMs: 60_000 }));
    running = new BackgroundJobs(stores[0] as SqliteJobStore, logger, undefined, timings);
    other = new BackgroundJobs(stores[1] as SqliteJobStore, logger, undefined, timings);
  });
  afterEach(async () => {
    await running.close();
    for (const store of stores) await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("a cancellation from the other instance reaches the running one through the store's flag", async () => {
    const started = await running.start("p", untilAborted);
    const cancelled = await other.cancel(started.id, "p");
    expect(cancelled).toEqual({ id: started.id, status: "cancelled", partialText: "partial" });
  });

  it("a running job nobody heartbeats reads as lost after three intervals", async () => {
    await stores[0]?.create({ id: "job_orphan", projectId: "p", atMs: Date.now() });
    expect((await other.get("job_orphan", "p", { waitMs: 0 })).status).toBe("running");
    await new Promise((resolve) => setTimeout(resolve, 4 * timings.heartbeatMs));
    const later = await other.get("job_orphan", "p", { waitMs: 0 });
    expect(later).toMatchObject({ status: "lost", error: { code: "GW_ERR_JOB_LOST" } });
  });

  it("keeps a heartbeat while the job runs, so a long job is not lost", async () => {
    const started = await running.start("p", untilAborted);
    await new Promise((resolve) => setTimeout(resolve, 6 * timings.heartbeatMs));
    expect(await other.get(started.id, "p", { waitMs: 0 })).toMatchObject({
      status: "running",
      partialText: "partial",
    });
  });

  it("stores a gateway error as it was, an unexpected one without its internals, and shutdown as lost", async () => {
    const refused = await running.start("p", async () => {
      throw new GatewayError("GW_ERR_BUDGET_EXCEEDED", "Budget spent.");
    });
    const crashed = await running.start("p", async () => {
      throw new Error("secret internals");
    });
    const stopped = await running.start("p", untilAborted);
    await running.close();
    const read = (id: string) => other.get(id, "p", { waitMs: 1_000 });
    expect(await read(refused.id)).toMatchObject({
      status: "failed",
      error: { code: "GW_ERR_BUDGET_EXCEEDED", message: "Budget spent." },
    });
    const internal = await read(crashed.id);
    expect(internal).toMatchObject({ status: "failed", error: { code: "GW_ERR_INTERNAL" } });
    expect(internal.status === "failed" && internal.error.message).toBe(
      "the gateway failed unexpectedly; the error was logged.",
    );
    expect(await read(stopped.id)).toMatchObject({
      status: "lost",
      partialText: "partial",
      error: { code: "GW_ERR_JOB_LOST", message: expect.stringContaining("shut down") },
    });
  });
});
