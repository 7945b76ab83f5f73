/** How a background call stands: `lost` when the replica running it went away. */
export type JobStatus = "running" | "succeeded" | "failed" | "cancelled" | "lost";

/** What a job ended with, written once by the replica that ran it. */
export interface JobOutcome {
  status: Exclude<JobStatus, "running">;
  /** Everything the model wrote, up to the end. */
  partialText: string;
  /** Succeeded: the answer, serialised by the use case that ran the job. */
  resultJson?: string;
  /** Failed or lost: the error the caller gets. */
  error?: { code: string; message: string };
}

export interface JobRecord {
  id: string;
  projectId: string;
  status: JobStatus;
  /** The answer so far (throttled while running), the whole answer once done. */
  partialText: string;
  resultJson?: string;
  error?: { code: string; message: string };
  createdAtMs: number;
  /** The latest write: the running replica's heartbeat, or the outcome. */
  updatedAtMs: number;
  /** Another replica asked for the job to stop; the running one reads it at its heartbeat. */
  cancelRequested: boolean;
}

/**
 * Background calls kept per project in the store engine (SQLite, or Redis
 * when configured, so any replica answers for them), forgotten `ttlMs` after
 * their latest write. Fails closed: a write or read the engine did not
 * confirm rejects.
 */
export interface JobStore {
  create(job: { id: string; projectId: string; atMs: number }): Promise<void>;
  /** The running replica's heartbeat, with the text so far; answers whether a cancellation was asked for. */
  touch(id: string, atMs: number, partialText: string): Promise<{ cancelRequested: boolean }>;
  finish(id: string, outcome: JobOutcome, atMs: number): Promise<void>;
  /** Marks a job (that exists) for its running replica to stop. */
  requestCancel(id: string): Promise<void>;
  /** The job, or undefined when unknown or expired. The caller checks the project. */
  get(id: string, nowMs: number): Promise<JobRecord | undefined>;
  close(): Promise<void>;
}
