import type { EventSourceMessage } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import type { ChatCompletionChunk } from "../../core/chat.js";
import { googleChunkEvents } from "./__fixtures__/google-fixtures.js";
import { convertGoogleStream } from "./google-stream.js";

const context = { provider: "google", url: "http://fake/stream", modelId: "gemini-x" };

async function collect(events: AsyncIterable<EventSourceMessage>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of convertGoogleStream(events, context)) chunks.push(chunk);
  return chunks;
}

async function collectUntilError(
  events: AsyncIterable<EventSourceMessage>,
): Promise<{ chunks: ChatCompletionChunk[]; error: unknown }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of convertGoogleStream(events, context)) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  throw new Error("the stream did not fail");
}

async function* events(...data: string[]): AsyncGenerator<EventSourceMessage> {
  for (const item of data) yield { data: item };
}

const deltas = (chunks: ChatCompletionChunk[]) => chunks.map((chunk) => chunk.choices[0]?.delta);
const finishReasons = (chunks: ChatCompletionChunk[]) =>
  chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter(Boolean);

describe("convertGoogleStream", () => {
  it("streams text as OpenAI chunks: role first, deltas, finish, then usage", async () => {
    const chunks = await collect(googleChunkEvents("google-text.chunks.txt"));

    expect(deltas(chunks)).toEqual([
      { role: "assistant", content: "" },
      { content: "The capital" },
      { content: " of France is" },
      { content: " Paris." },
      {},
      undefined,
    ]);
    expect(finishReasons(chunks)).toEqual(["stop"]);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual({
      prompt_tokens: 8,
      completion_tokens: 33,
      total_tokens: 41,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 26 },
    });
    expect(new Set(chunks.map((chunk) => chunk.id))).toEqual(new Set(["chatcmpl-Zh9aaLbWN5u7nsEPh8uCsAc"]));
    expect(new Set(chunks.map((chunk) => chunk.model))).toEqual(new Set(["gemini-2.5-flash"]));
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk")).toBe(true);
  });

  it("emits a whole function call as one tool-call delta with full arguments and its thought signature", async () => {
    const chunks = await collect(googleChunkEvents("google-tool-call.chunks.txt"));

    expect(deltas(chunks).slice(0, 2)).toEqual([
      { role: "assistant", content: "" },
      {
        tool_calls: [
          {
            index: 0,
            id: "call_k2BaaO2aGp7T1PIP9rK5eA_0",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' },
            extra_content: { google: { thought_signature: "CiQBcsjafF0xX2P7kQyJ8vZ1bWQ9" } },
          },
        ],
      },
    ]);
    expect(finishReasons(chunks)).toEqual(["tool_calls"]);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 61, completion_tokens: 18 });
  });

  it("indexes parallel calls after text", async () => {
    const chunks = await collect(googleChunkEvents("google-parallel-tool-calls.chunks.txt"));
    const toolCalls = deltas(chunks).flatMap((delta) => delta?.tool_calls ?? []);

    expect(deltas(chunks)[1]).toEqual({ content: "Checking both cities." });
    expect(toolCalls.map(({ index, id, function: call }) => [index, id, call?.arguments])).toEqual([
      [0, "call_parallel-stream_0", '{"city":"Paris"}'],
      [1, "call_parallel-stream_1", '{"city":"Tokyo"}'],
    ]);
    expect(finishReasons(chunks)).toEqual(["tool_calls"]);
  });

  it("streams thought summaries as reasoning_content", async () => {
    const chunks = await collect(googleChunkEvents("google-thinking.chunks.txt"));

    expect(deltas(chunks).slice(1, 3)).toEqual([
      { reasoning_content: "**Counting letters**\n\nThe word has three r's." },
      { content: "There are 3 r's in strawberry." },
    ]);
    expect(chunks.at(-1)?.usage?.completion_tokens_details).toEqual({ reasoning_tokens: 185 });
  });

  it("maps MAX_TOKENS to length", async () => {
    expect(finishReasons(await collect(googleChunkEvents("google-max-tokens.chunks.txt")))).toEqual([
      "length",
    ]);
  });

  it("ends a blocked prompt with content_filter and its prompt usage", async () => {
    const chunks = await collect(googleChunkEvents("google-prompt-blocked.chunks.txt"));

    expect(deltas(chunks)).toEqual([{ role: "assistant", content: "" }, {}, undefined]);
    expect(finishReasons(chunks)).toEqual(["content_filter"]);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 0 });
  });

  it("throws an in-band error event as the matching retryable error", async () => {
    const { chunks, error } = await collectUntilError(googleChunkEvents("google-stream-error.chunks.txt"));

    expect(deltas(chunks)).toEqual([{ role: "assistant", content: "" }, { content: "The first part" }]);
    expect(error).toMatchObject({
      name: "UpstreamError",
      kind: "overloaded",
      status: 503,
      isRetryable: true,
    });
  });

  it("throws kind stream when the body ends before a finishReason", async () => {
    const { chunks, error } = await collectUntilError(googleChunkEvents("google-text.chunks.txt", 2));

    expect(deltas(chunks).map((delta) => delta?.content)).toEqual(["", "The capital", " of France is"]);
    expect(error).toMatchObject({ kind: "stream", isRetryable: true });
    expect((error as Error).message).toMatch(/no finishReason/);
  });

  it("throws kind stream for a stream with no event at all", async () => {
    const { chunks, error } = await collectUntilError(events());

    expect(chunks).toEqual([]);
    expect(error).toMatchObject({ kind: "stream" });
  });

  it("throws invalid_response for an event that is not JSON or not a response", async () => {
    expect((await collectUntilError(events("{not json"))).error).toMatchObject({ kind: "invalid_response" });
    expect((await collectUntilError(events('{"candidates":"nope"}'))).error).toMatchObject({
      kind: "invalid_response",
    });
  });

  it("emits one finish even if Gemini repeats the finishReason", async () => {
    const done = '{"candidates":[{"content":{"parts":[{"text":"a"}]},"finishReason":"STOP"}]}';

    expect(finishReasons(await collect(events(done, done)))).toEqual(["stop"]);
  });
});

describe("convertGoogleStream with logprobs", () => {
  it("puts each event's logprobsResult on its answer text, not on thoughts", async () => {
    const event = (parts: unknown[], logprobsResult: unknown, finishReason?: string) =>
      JSON.stringify({
        candidates: [
          { content: { role: "model", parts }, logprobsResult, ...(finishReason ? { finishReason } : {}) },
        ],
        responseId: "r1",
      });
    const chunks = await collect(
      events(
        event(
          [{ text: "thinking", thought: true }, { text: "Hi" }],
          { chosenCandidates: [{ token: "Hi", logProbability: -0.5 }] },
          "STOP",
        ),
      ),
    );
    const withLogprobs = chunks.filter((chunk) => chunk.choices[0]?.logprobs);
    expect(withLogprobs).toHaveLength(1);
    expect(withLogprobs[0]?.choices[0]?.delta).toEqual({ content: "Hi" });
    expect(withLogprobs[0]?.choices[0]?.logprobs).toEqual({
      content: [{ token: "Hi", logprob: -0.5, bytes: [72, 105] }],
      refusal: null,
    });
  });
});
