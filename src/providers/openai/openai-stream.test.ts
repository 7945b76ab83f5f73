import type { EventSourceMessage } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import type { ChatCompletionChunk } from "../../core/chat.js";
import { isUpstreamError, type UpstreamError } from "../../core/upstream-error.js";
import { collectChunks, openAiFixtureEvents } from "./__fixtures__/openai-fixtures.js";
import { convertOpenAiUsage } from "./convert-openai-usage.js";
import { convertDeepSeekUsage } from "./deepseek-adapter.js";
import { convertOpenAiStream } from "./openai-stream.js";

const context = {
  provider: "openai",
  url: "https://api.openai.com/v1/chat/completions",
  modelId: "gpt-4.1",
  convertUsage: convertOpenAiUsage,
};

async function* replay(events: EventSourceMessage[]): AsyncGenerator<EventSourceMessage> {
  yield* events;
}

function collect(events: EventSourceMessage[], streamContext = context): Promise<ChatCompletionChunk[]> {
  return collectChunks(convertOpenAiStream(replay(events), streamContext));
}

async function failure(
  events: EventSourceMessage[],
): Promise<{ error: UpstreamError; chunks: ChatCompletionChunk[] }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of convertOpenAiStream(replay(events), context)) chunks.push(chunk);
  } catch (error) {
    if (isUpstreamError(error)) return { error, chunks };
    throw error;
  }
  throw new Error("the stream did not fail");
}

describe("convertOpenAiStream", () => {
  it("yields role, content, finish and a final usage chunk as OpenAI does", async () => {
    const chunks = await collect(openAiFixtureEvents("openai-text.chunks.txt"));
    expect(chunks.map((chunk) => chunk.choices[0]?.delta ?? "usage")).toEqual([
      { role: "assistant", content: "" },
      { content: "Paris" },
      { content: " is the capital" },
      { content: " of France." },
      {},
      "usage",
    ]);
    expect(chunks[4]?.choices[0]?.finish_reason).toBe("stop");
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual({
      prompt_tokens: 2006,
      completion_tokens: 8,
      total_tokens: 2014,
      prompt_tokens_details: { cached_tokens: 1920 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({
        id: "chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0",
        object: "chat.completion.chunk",
        created: 1770933892,
        model: "gpt-4.1-2025-04-14",
      });
    }
  });

  it("streams parallel tool calls with ids first and arguments in fragments", async () => {
    const chunks = await collect(openAiFixtureEvents("openai-tool-calls.chunks.txt"));
    const toolDeltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(toolDeltas).toEqual([
      {
        index: 0,
        id: "call_q8mHh1VvZ1n6sE4tq2GZxYyJ",
        type: "function",
        function: { name: "get_weather", arguments: "" },
      },
      { index: 0, function: { arguments: '{"ci' } },
      { index: 0, function: { arguments: 'ty": "Paris"}' } },
      {
        index: 1,
        id: "call_Wc3rT0pQhN5bL9kXa7yUeD2F",
        type: "function",
        function: { name: "get_weather", arguments: "" },
      },
      { index: 1, function: { arguments: '{"city": ' } },
      { index: 1, function: { arguments: '"Tokyo"}' } },
    ]);
    expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter(Boolean)).toEqual(["tool_calls"]);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(52);
  });

  it("passes DeepSeek's reasoning deltas and moves its finish-chunk usage into a last chunk", async () => {
    const chunks = await collect(openAiFixtureEvents("deepseek-reasoning.chunks.txt"), {
      ...context,
      provider: "deepseek",
      convertUsage: convertDeepSeekUsage,
    });
    expect(chunks.map((chunk) => chunk.choices[0]?.delta ?? "usage")).toEqual([
      { role: "assistant", content: "" },
      { reasoning_content: "Count the r's" },
      { reasoning_content: " in strawberry." },
      { content: "There are" },
      { content: " 3." },
      {},
      "usage",
    ]);
    expect(chunks.at(-1)?.usage).toEqual({
      prompt_tokens: 97,
      completion_tokens: 106,
      total_tokens: 203,
      prompt_tokens_details: { cached_tokens: 64 },
      completion_tokens_details: { reasoning_tokens: 88 },
    });
  });

  it("fills tool-call ids for servers that omit them, once per call", async () => {
    const events = [
      {
        data: JSON.stringify({
          choices: [{ delta: { tool_calls: [{ index: 0, function: { name: "lookup" } }] } }],
        }),
      },
      {
        data: JSON.stringify({
          choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: "{}" } }] } }],
        }),
      },
      { data: JSON.stringify({ choices: [{ delta: {}, finish_reason: "stop" }] }) },
    ];
    const chunks = await collect(events);
    const toolDeltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(toolDeltas[0]).toMatchObject({ index: 0, type: "function", function: { name: "lookup" } });
    expect(toolDeltas[0]?.id).toMatch(/^call_/);
    expect(toolDeltas[1]).toEqual({ index: 0, function: { arguments: "{}" } });
    // A body that ends after a finish reason but without [DONE] is complete; no usage was sent.
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
  });

  it("throws the in-band error OpenAI sends after tokens, classified as a server error", async () => {
    const { error, chunks } = await failure(
      openAiFixtureEvents("openai-stream-error.chunks.txt", { done: false }),
    );
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content)).toEqual(["", "Once upon"]);
    expect(error.kind).toBe("server");
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain("The server had an error while processing your request");
  });

  it("throws kind stream when the body ends before [DONE] or a finish reason", async () => {
    const events = openAiFixtureEvents("openai-text.chunks.txt", { done: false }).slice(0, 3);
    const { error, chunks } = await failure(events);
    expect(error.kind).toBe("stream");
    expect(error.isRetryable).toBe(true);
    expect(chunks).toHaveLength(3);
  });

  it("throws invalid_response on an event that is not JSON or not a chunk", async () => {
    const garbage = await failure([{ data: "{not json" }]);
    expect(garbage.error.kind).toBe("invalid_response");
    const wrongShape = await failure([{ data: JSON.stringify({ choices: "none" }) }]);
    expect(wrongShape.error.kind).toBe("invalid_response");
  });

  it("ignores anything after [DONE]", async () => {
    const events = [...openAiFixtureEvents("openai-text.chunks.txt"), { data: "trailing garbage" }];
    const chunks = await collect(events);
    expect(chunks.at(-1)?.usage?.total_tokens).toBe(2014);
  });
});
