import type { Door } from "./usage-record.js";

/** How a request ended, as FinishedRequest.outcome says it (a refusal is an `error` with its code). */
export type RequestStatus = "success" | "partial" | "error";

export const requestStatuses: readonly RequestStatus[] = ["success", "partial", "error"];

/** One try of one deployment, as the explorer keeps it. */
export interface RequestAttemptRecord {
  provider: string;
  model: string;
  outcome: string;
  error?: string;
  latencyMs: number;
}

/** What the request asked and what it was answered, kept only when bodies are opted in, secrets redacted. */
export interface RequestBodies {
  /** The request's messages (chat) or inputs (embeddings), as JSON text. */
  request: string;
  /** The answer's text; null when there was none (an error, tool calls only, embeddings). */
  answer: string | null;
}

/** One request as the explorer keeps it: metadata always, bodies when opted in. */
export interface RequestRecord {
  id: string;
  /** When the request started (epoch ms). */
  timeMs: number;
  clientRequestId?: string;
  door: Door;
  kind: "chat" | "embedding";
  projectId: string;
  agentId: string;
  /** The client key's name (never its secret); absent without client keys. */
  keyName?: string;
  /** The group asked for; null when a concrete model was. */
  modelGroup: string | null;
  provider?: string;
  model?: string;
  attempts: RequestAttemptRecord[];
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costUsd: number;
  timeToFirstTokenMs?: number;
  latencyMs: number;
  status: RequestStatus;
  errorCode?: string;
  stream: boolean;
  cacheHit: boolean;
  bodies?: RequestBodies;
}

/** A page's filters: every field narrows; absent, any. */
export interface RequestQuery {
  /** Only these projects (a client key's); absent, every project. */
  projectIds?: readonly string[];
  agentId?: string;
  /** The model that answered, or the group asked for. */
  model?: string;
  status?: RequestStatus;
  /** Inclusive lower and exclusive upper bounds on `timeMs`. */
  fromMs?: number;
  toMs?: number;
  limit: number;
  /** From a previous page's `nextCursor`. */
  cursor?: RequestCursor;
}

/** Where a page ended: the last record's time and id (newest first, ties by id descending). */
export interface RequestCursor {
  timeMs: number;
  id: string;
}

export interface RequestPage {
  records: RequestRecord[];
  /** Absent when there is nothing further. */
  nextCursor?: RequestCursor;
}

/**
 * The last N days of requests (and at most a row count), newest first.
 * Written off the request path; engines: SQLite (one process) or Redis (shared by replicas).
 */
export interface RequestStore {
  /** Writes a batch at once (one transaction, one pipeline): the recorder writes what a window gathered. */
  add(records: readonly RequestRecord[], nowMs: number): Promise<void>;
  list(query: RequestQuery, nowMs: number): Promise<RequestPage>;
  get(id: string, nowMs: number): Promise<RequestRecord | undefined>;
  close(): Promise<void>;
}

/** Whether a record passes a query's filters other than time and project (shared by engines that filter in code). */
export function matchesRequestQuery(record: RequestRecord, query: RequestQuery): boolean {
  if (query.projectIds && !query.projectIds.includes(record.projectId)) return false;
  if (query.agentId !== undefined && record.agentId !== query.agentId) return false;
  if (query.status !== undefined && record.status !== query.status) return false;
  if (query.model !== undefined && record.model !== query.model && record.modelGroup !== query.model)
    return false;
  return true;
}
