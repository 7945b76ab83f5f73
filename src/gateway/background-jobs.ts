import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { JobOutcome, JobRecord, JobStore } from "../core/background-job.js";
import type { CancellationBus } from "../core/cancellation-bus.js";
import { ClientAbortError } from "../core/client-abort-error.js";
import { type ErrorCode, errorCodes } from "../core/error-codes.js";
import { GatewayError, isGatewayError } from "../core/gateway-error.js";

/** A job as its caller sees it; `T` is what a succeeded job's run returned. */
export type JobView<T> =
  | { id: string; status: "running" | "cancelled"; partialText: string }
  | { id: string; status: "succeeded"; partialText: string; answer: T }
  | { id: string; status: "failed" | "lost"; partialText: string; error: GatewayError };

/** The work of a job: it stops when `signal` aborts, and tells `onText` what the model writes as it comes. */
export type JobRun<T> = (signal: AbortSignal, onText: (text: string) => void) => Promise<T>;

export interface JobTimings {
  /** How often the running replica writes its heartbeat and reads the cancel flag. */
  heartbeatMs: number;
  /** Least time between two writes of the text so far. */
  textWriteMs: number;
  /** How often a wait re-reads a job another replica runs. */
  pollMs: number;
  /** How long a cancellation waits for the job to stop before answering. */
  cancelWaitMs: number;
}

const defaultTimings: JobTimings = {
  heartbeatMs: 5_000,
  textWriteMs: 1_000,
  pollMs: 250,
  cancelWaitMs: 10_000,
};

/** A running job whose heartbeat is this many intervals old: its replica went away. */
const missedHeartbeats = 3;

/** Bus messages naming a job, apart from the MCP calls InFlightCalls names (JSON arrays). */
const busKeyPrefix = "job:";

/**
 * Calls that outlive the request starting them: each runs on this replica
 * with its own AbortController, while its state (heartbeat, text so far,
 * outcome) lives in the store engine, so any replica answers for it. A job
 * whose heartbeat stopped reads as `lost`. Cancellation reaches the running
 * replica directly, over the cancellation bus, or at its next heartbeat
 * (the store's cancel flag).
 */
export class BackgroundJobs<T> {
  readonly #running = new Map<string, RunningJob>();
  readonly #timings: JobTimings;

  constructor(
    private readonly store: JobStore,
    private readonly logger: Logger,
    private readonly bus?: CancellationBus,
    timings: Partial<JobTimings> = {},
  ) {
    this.#timings = { ...defaultTimings, ...timings };
    bus?.subscribe((key) => {
      if (key.startsWith(busKeyPrefix)) this.#running.get(key.slice(busKeyPrefix.length))?.stop("cancelled");
    });
  }

  /** Stores a new running job of `projectId` and starts `run`; answers at once. */
  async start(projectId: string, run: JobRun<T>): Promise<JobView<T>> {
    const id = newJobId();
    await storing(() => this.store.create({ id, projectId, atMs: Date.now() }));
    const job = new RunningJob(id, this.store, this.logger, this.#timings);
    this.#running.set(id, job);
    job.settled = this.#run(job, run).finally(() => this.#running.delete(id));
    return { id, status: "running", partialText: "" };
  }

  /** The job, once it ended or after `waitMs`, whichever comes first (or when `signal` aborts). */
  async get(
    id: string,
    projectId: string,
    options: { waitMs: number; signal?: AbortSignal },
  ): Promise<JobView<T>> {
    const deadline = Date.now() + options.waitMs;
    for (;;) {
      const view = await this.#read(id, projectId);
      const remainingMs = deadline - Date.now();
      if (view.status !== "running" || remainingMs <= 0 || options.signal?.aborted) return view;
      await this.#changeOrTimeout(id, remainingMs, options.signal);
    }
  }

  /** Stops a running job (what it produced is booked) and answers its state once it ended. */
  async cancel(id: string, projectId: string): Promise<JobView<T>> {
    const view = await this.#read(id, projectId);
    if (view.status !== "running") return view;
    const here = this.#running.get(id);
    if (here) here.stop("cancelled");
    else {
      await storing(() => this.store.requestCancel(id));
      await this.bus?.publish(`${busKeyPrefix}${id}`);
    }
    return this.get(id, projectId, { waitMs: this.#timings.cancelWaitMs });
  }

  /** Graceful shutdown: every job running here is stopped and stored as lost, saying why. */
  async close(): Promise<void> {
    const running = [...this.#running.values()];
    for (const job of running) job.stop("shutdown");
    await Promise.allSettled(running.map((job) => job.settled));
  }

  async #run(job: RunningJob, run: JobRun<T>): Promise<void> {
    let outcome: JobOutcome;
    try {
      const answer = await run(job.signal, (text) => job.append(text));
      outcome = { status: "succeeded", partialText: job.text, resultJson: JSON.stringify(answer) };
    } catch (error) {
      outcome = this.#failureOf(job, error);
    }
    await job.finish(outcome);
  }

  #failureOf(job: RunningJob, error: unknown): JobOutcome {
    const partialText = job.text;
    if (job.stopReason === "cancelled") return { status: "cancelled", partialText };
    if (job.stopReason === "shutdown") {
      const message =
        "The gateway replica running this job shut down before it finished; what the provider had produced is booked. Start the call again.";
      return { status: "lost", partialText, error: { code: "GW_ERR_JOB_LOST", message } };
    }
    if (isGatewayError(error)) {
      return { status: "failed", partialText, error: { code: error.code, message: error.message } };
    }
    // Described like the doors describe it: an unexpected error may carry internals.
    this.logger.error({ err: error, jobId: job.id }, "background job failed unexpectedly");
    const message = "the gateway failed unexpectedly; the error was logged.";
    return { status: "failed", partialText, error: { code: "GW_ERR_INTERNAL", message } };
  }

  async #read(id: string, projectId: string): Promise<JobView<T>> {
    const record = await storing(() => this.store.get(id, Date.now()));
    // Another project's job is refused exactly like an unknown one: ids reveal nothing.
    if (!record || record.projectId !== projectId) throw unknownJob(id);
    return this.#viewOf(record, Date.now());
  }

  #viewOf(record: JobRecord, nowMs: number): JobView<T> {
    const { id, partialText } = record;
    switch (record.status) {
      case "running": {
        const silentMs = nowMs - record.updatedAtMs;
        if (silentMs <= missedHeartbeats * this.#timings.heartbeatMs)
          return { id, status: "running", partialText };
        const message = `The gateway replica running this job went away (no heartbeat for ${Math.round(silentMs / 1000)} s); its answer is lost. Start the call again.`;
        return { id, status: "lost", partialText, error: new GatewayError("GW_ERR_JOB_LOST", message) };
      }
      case "succeeded":
        return { id, status: "succeeded", partialText, answer: JSON.parse(record.resultJson ?? "null") };
      case "cancelled":
        return { id, status: "cancelled", partialText };
      default:
        return { id, status: record.status, partialText, error: storedError(record.error) };
    }
  }

  /** Resolves when a job running here ends, after `remainingMs`, or (for another replica's job) at the next poll. */
  #changeOrTimeout(id: string, remainingMs: number, signal: AbortSignal | undefined): Promise<void> {
    const here = this.#running.get(id);
    const waitMs = here ? remainingMs : Math.min(remainingMs, this.#timings.pollMs);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      signal?.addEventListener("abort", done, { once: true });
      void here?.settled.then(done);
    });
  }
}

/**
 * One job running on this replica: its abort controller, the text so far,
 * and the writes to the store, one at a time so a late heartbeat never
 * lands after the outcome.
 */
class RunningJob {
  readonly #controller = new AbortController();
  readonly #heartbeat: NodeJS.Timeout;
  #text = "";
  #lastWriteAt = Date.now();
  #writing: Promise<void> | undefined;
  stopReason: "cancelled" | "shutdown" | undefined;
  settled: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    private readonly store: JobStore,
    private readonly logger: Logger,
    private readonly timings: JobTimings,
  ) {
    this.#heartbeat = setInterval(() => this.#write(), timings.heartbeatMs).unref();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get text(): string {
    return this.#text;
  }

  append(text: string): void {
    this.#text += text;
    if (Date.now() - this.#lastWriteAt >= this.timings.textWriteMs) this.#write();
  }

  stop(reason: "cancelled" | "shutdown"): void {
    this.stopReason ??= reason;
    // The call's request is booked and logged with the reason's code: its client ended it, or the
    // replica stopped under it.
    this.#controller.abort(
      reason === "cancelled"
        ? new ClientAbortError("the client cancelled the background job")
        : new GatewayError("GW_ERR_JOB_LOST", "the background job was stopped by the gateway's shutdown"),
    );
  }

  async finish(outcome: JobOutcome): Promise<void> {
    clearInterval(this.#heartbeat);
    await this.#writing;
    try {
      await this.store.finish(this.id, outcome, Date.now());
    } catch (error) {
      this.logger.error(
        { err: error, jobId: this.id, status: outcome.status },
        "a background job's outcome could not be stored; it will read as lost",
      );
    }
  }

  /** Heartbeat and text so far; skipped while the previous write is under way (the next one carries it). */
  #write(): void {
    if (this.#writing) return;
    this.#lastWriteAt = Date.now();
    this.#writing = this.store
      .touch(this.id, Date.now(), this.#text)
      .then(({ cancelRequested }) => {
        if (cancelRequested) this.stop("cancelled");
      })
      .catch((error: unknown) => {
        this.logger.warn({ err: error, jobId: this.id }, "a background job's heartbeat could not be stored");
      })
      .finally(() => {
        this.#writing = undefined;
      });
  }
}

/** 144 random bits: ids cannot be guessed, so holding one is what lets a caller read the job. */
function newJobId(): string {
  return `job_${randomBytes(18).toString("base64url")}`;
}

function unknownJob(id: string): GatewayError {
  return new GatewayError(
    "GW_ERR_UNKNOWN_JOB",
    `No job "${id.slice(0, 64)}" in this project (unknown, expired, or another project's).`,
    { param: "job_id" },
  );
}

/** The error a job ended with, as the replica that ran it wrote it. */
function storedError(error: JobRecord["error"]): GatewayError {
  const code = error && error.code in errorCodes ? (error.code as ErrorCode) : "GW_ERR_INTERNAL";
  return new GatewayError(code, error?.message ?? "the job failed; the error was logged.");
}

async function storing<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new GatewayError("GW_ERR_STORE_UNAVAILABLE", "The job store is unavailable; retry.", {
      cause: error,
    });
  }
}
