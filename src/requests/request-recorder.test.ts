import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RequestRecord, RequestStore } from "../core/request-record.js";
import type { FinishedRequest } from "../gateway/request-observer.js";
import { createSecretRedactor } from "./redact-secrets.js";
import { RequestRecorder } from "./request-recorder.js";
import { SqliteRequestStore } from "./sqlite-request-store.js";

function finishedRequest(requestId: string, overrides: Partial<FinishedRequest> = {}): FinishedRequest {
  return {
    requestId,
    door: "openai",
    kind: "chat",
    projectId: "project-a",
    agentId: "agent-1",
    modelGroup: "reasoning",
    stream: false,
    outcome: "success",
    provider: "openai",
    model: "gpt-4.1",
    attempts: [
      {
        provider: "anthropic",
        model: "claude-opus-4-5",
        outcome: "failed",
        error: "529 for sk-ant-secret-key-0001",
        latency_ms: 5.5,
      },
      { provider: "openai", model: "gpt-4.1", outcome: "success", latency_ms: 9 },
    ],
    latencyMs: 20,
    inputTokens: 3,
    outputTokens: 2,
    cachedInputTokens: 0,
    costUsd: 0.001,
    estimated: false,
    cacheHit: false,
    keyName: "team-a",
    ...overrides,
  };
}

function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  return { logger, lines };
}

describe("RequestRecorder", () => {
  let dataDir: string;
  let store: SqliteRequestStore;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), "llmgw-recorder-"));
    store = new SqliteRequestStore({ dataDir, retentionMs: 86_400_000, maxRows: 100 });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("writes after the call returns, with the key's name, attempts and redacted bodies", async () => {
    const { logger } = capturedLogger();
    const recorder = new RequestRecorder({
      store,
      logger,
      redact: createSecretRedactor(["sk-ant-secret-key-0001"]),
    });
    const before = Date.now();
    recorder.requestFinished(
      finishedRequest("r1", {
        requestBody: [{ role: "user", content: "key sk-ant-secret-key-0001" }],
        answerText: "fine",
      }),
    );
    // Queued only: nothing is written while the request is still being answered.
    expect(await store.get("r1", Date.now())).toBeUndefined();
    await recorder.flush();
    const record = (await store.get("r1", Date.now())) as RequestRecord;
    expect(record.timeMs).toBeGreaterThanOrEqual(before - 20);
    expect(record).toMatchObject({
      keyName: "team-a",
      status: "success",
      attempts: [
        { provider: "anthropic", outcome: "failed", error: "529 for [redacted]", latencyMs: 5.5 },
        { provider: "openai", outcome: "success", latencyMs: 9 },
      ],
      bodies: { request: '[{"role":"user","content":"key [redacted]"}]', answer: "fine" },
    });
    expect(recorder.stats()).toEqual({ recorded: 1, failed: 0, dropped: 0 });
  });

  it("writes what a window gathered as one batch, and a reader's flush does not wait for the window", async () => {
    const batches: string[][] = [];
    const counting: RequestStore = {
      add: async (records, nowMs) => {
        batches.push(records.map((record) => record.id));
        await store.add(records, nowMs);
      },
      list: (query, nowMs) => store.list(query, nowMs),
      get: (id, nowMs) => store.get(id, nowMs),
      close: async () => {},
    };
    const recorder = new RequestRecorder({
      store: counting,
      logger: capturedLogger().logger,
      redact: (text) => text,
      batchWindowMs: 60_000,
    });
    for (const id of ["w1", "w2", "w3"]) recorder.requestFinished(finishedRequest(id));
    expect(batches).toEqual([]);
    await recorder.flush();
    expect(batches).toEqual([["w1", "w2", "w3"]]);
    expect((await store.get("w2", Date.now()))?.id).toBe("w2");

    const timed = new RequestRecorder({
      store: counting,
      logger: capturedLogger().logger,
      redact: (text) => text,
      batchWindowMs: 20,
      maxBatchSize: 2,
    });
    for (const id of ["t1", "t2", "t3"]) timed.requestFinished(finishedRequest(id));
    // A full batch goes at once; the one left waits for its window to close, with no flush.
    await vi.waitFor(() => expect(batches.slice(1)).toEqual([["t1", "t2"], ["t3"]]));
    expect(timed.stats()).toEqual({ recorded: 3, failed: 0, dropped: 0 });
  });

  it("keeps no bodies when the gateway gave none", async () => {
    const recorder = new RequestRecorder({ store, logger: capturedLogger().logger, redact: (text) => text });
    recorder.requestFinished(finishedRequest("r2"));
    await recorder.flush();
    expect((await store.get("r2", Date.now()))?.bodies).toBeUndefined();
  });

  it("fails open: a store that refuses is logged once and counted, and the caller never sees it", async () => {
    const failing: RequestStore = {
      add: async () => {
        throw new Error("disk full");
      },
      list: async () => ({ records: [] }),
      get: async () => undefined,
      close: async () => {},
    };
    const { logger, lines } = capturedLogger();
    const recorder = new RequestRecorder({ store: failing, logger, redact: (text) => text });
    expect(() => {
      recorder.requestFinished(finishedRequest("r3"));
      recorder.requestFinished(finishedRequest("r4"));
    }).not.toThrow();
    await recorder.flush();
    expect(recorder.stats()).toEqual({ recorded: 0, failed: 2, dropped: 0 });
    const warnings = lines.filter((line) => String(line.msg).startsWith("request explorer"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, requestId: "r3", failedSinceLastWarning: 2 });
  });

  it("drops (and counts) what exceeds its queue instead of growing without bound", async () => {
    const recorder = new RequestRecorder({
      store,
      logger: capturedLogger().logger,
      redact: (text) => text,
      maxQueued: 2,
    });
    for (const id of ["a", "b", "c"]) recorder.requestFinished(finishedRequest(id));
    await recorder.flush();
    expect(recorder.stats()).toEqual({ recorded: 2, failed: 0, dropped: 1 });
  });
});
