import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TokenCounter } from "../../src/gateway/token-counter.js";
import { expectClientLeftLoggedAsWarnOnly } from "../helpers/client-left-logs.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { readSseData } from "../helpers/read-sse.js";

interface BookedRow {
  provider: string;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  outcome: string;
  estimated: number;
}

/** What a provider bills for is booked when a call ends early: reasoning = anthropic -> openai -> google. */
describe("spend booked when a call is cut or abandoned", () => {
  let harness: Harness;
  const reportedUsage = { inputTokens: 1234, cachedInputTokens: 200, outputTokens: 99 };
  const post = (path: string, project: string, body: unknown, signal?: AbortSignal) =>
    fetch(`${harness.url}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "anthropic-version": "2023-06-01",
        "x-project-id": project,
        "x-agent-id": "spender",
      },
      body: JSON.stringify(body),
      signal,
    });
  const chatBody = (stream: boolean) => ({
    model: "reasoning",
    max_tokens: 200,
    messages: [{ role: "user", content: "Tell me a story" }],
    stream,
  });
  /** The usage records of a project, read from the store's own file (the record's `estimated` is not in /v1/usage). */
  const bookedFor = (project: string): BookedRow[] => {
    const db = new Database(join(harness.dataDir, "usage.sqlite"), { readonly: true, fileMustExist: true });
    try {
      return db
        .prepare(
          "SELECT provider, input_tokens, output_tokens, cached_input_tokens, outcome, estimated FROM usage_records WHERE project_id = ?",
        )
        .all(project) as BookedRow[];
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    harness = await startHarness({ env: { LLM_GATEWAY_MAX_RETRIES: "0" } });
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => harness.close());

  for (const door of ["/v1/chat/completions", "/v1/messages"]) {
    it(`${door}: a stream Anthropic cuts after message_start and two deltas books the input Anthropic reported, output counted, estimated`, async () => {
      const { anthropic } = harness.fakes;
      // message_start, content_block_start, ping, "Once", " upon", then the socket ends.
      anthropic.enqueueChat(
        anthropic.replies.stream(["Once", " upon", " a time"], { usage: reportedUsage, cutAfter: 5 }),
      );
      const project = `proj-cut${door.replaceAll("/", "-")}`;
      const response = await post(door, project, chatBody(true));
      expect(response.status).toBe(200);
      for await (const _data of readSseData(response.body as ReadableStream<Uint8Array>));
      await expect.poll(() => bookedFor(project).length).toBe(1);
      const [row] = bookedFor(project);
      const delivered = await new TokenCounter().countText("Once upon", "o200k_base");
      expect(row).toEqual({
        provider: "anthropic",
        input_tokens: reportedUsage.inputTokens,
        cached_input_tokens: reportedUsage.cachedInputTokens,
        output_tokens: delivered.tokens,
        outcome: "partial",
        estimated: 1,
      });
    });

    for (const stream of [false, true]) {
      const what = stream
        ? "a stream whose client leaves before the first token"
        : "a non-streamed call whose client leaves while Anthropic works";
      it(`${door}: ${what} books its input, estimated`, async () => {
        const { anthropic, openai } = harness.fakes;
        anthropic.enqueueChat({ type: "hang" });
        const project = `proj-left${stream ? "-stream" : ""}${door.replaceAll("/", "-")}`;
        const abort = new AbortController();
        const response = post(door, project, chatBody(stream), abort.signal).catch(() => "aborted");
        await expect.poll(() => anthropic.chatCalls().length).toBe(1);
        abort.abort();
        expect(await response).toBe("aborted");
        await expect.poll(() => bookedFor(project).length).toBe(1);
        const [row] = bookedFor(project);
        expect(row).toMatchObject({
          provider: "anthropic",
          output_tokens: 0,
          outcome: "error",
          estimated: 1,
        });
        expect(row?.input_tokens).toBeGreaterThan(0);
        expect(openai.chatCalls()).toHaveLength(0);
        await expectClientLeftLoggedAsWarnOnly(harness, project);
      });
    }
  }
});
