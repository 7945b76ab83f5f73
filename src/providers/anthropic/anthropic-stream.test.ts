import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ChatCompletionChunk } from "../../core/chat.js";
import { isUpstreamError, type UpstreamError } from "../../core/upstream-error.js";
import { parseSse } from "../shared/parse-sse.js";
import { convertAnthropicStream } from "./anthropic-stream.js";

const url = "https://api.anthropic.com/v1/messages";

/** Frames a fixture's JSON lines as Anthropic's named SSE events, delivered in uneven slices. */
function sseBody(lines: string[]): AsyncIterable<string> {
  const text = lines
    .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`)
    .join("");
  return (async function* () {
    for (let offset = 0; offset < text.length; offset += 97) yield text.slice(offset, offset + 97);
  })();
}

function fixtureLines(name: string): string[] {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8")
    .trim()
    .split("\n");
}

function convert(lines: string[]): AsyncGenerator<ChatCompletionChunk> {
  const events = parseSse({
    provider: "anthropic",
    url,
    body: sseBody(lines),
    signal: new AbortController().signal,
  });
  return convertAnthropicStream(events, {
    provider: "anthropic",
    url,
    model: "claude-sonnet-4-0",
    created: 1,
  });
}

async function collect(lines: string[]): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of convert(lines)) chunks.push(chunk);
  return chunks;
}

async function failure(lines: string[]): Promise<{ chunks: ChatCompletionChunk[]; error: UpstreamError }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of convert(lines)) chunks.push(chunk);
  } catch (error) {
    if (isUpstreamError(error)) return { chunks, error };
    throw error;
  }
  throw new Error("the stream did not fail");
}

const deltas = (chunks: ChatCompletionChunk[]) => chunks.map((chunk) => chunk.choices[0]?.delta);

describe("convertAnthropicStream", () => {
  it("streams text as OpenAI chunks: role, deltas, finish, then usage with cache reads and writes", async () => {
    const chunks = await collect(fixtureLines("anthropic-text.chunks.txt"));
    const base = { id: "msg_01QC4g3HwBThD4BaNtBckFDJ", object: "chat.completion.chunk", created: 1 };
    const model = "claude-sonnet-4-5-20250929";
    expect(chunks).toEqual([
      {
        ...base,
        model,
        choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
      },
      // message_start's input counts, so a stream cut from here on is booked with what Anthropic bills.
      {
        ...base,
        model,
        choices: [],
        usage: {
          prompt_tokens: 2112,
          completion_tokens: 1,
          total_tokens: 2113,
          prompt_tokens_details: {
            cached_tokens: 2000,
            cache_creation_tokens: 100,
            cache_creation_token_details: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 0 },
          },
        },
      },
      { ...base, model, choices: [{ index: 0, delta: { content: "Hello" }, finish_reason: null }] },
      { ...base, model, choices: [{ index: 0, delta: { content: "! How are" }, finish_reason: null }] },
      {
        ...base,
        model,
        choices: [{ index: 0, delta: { content: " you doing today?" }, finish_reason: null }],
      },
      { ...base, model, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
      {
        ...base,
        model,
        choices: [],
        usage: {
          prompt_tokens: 2112,
          completion_tokens: 30,
          total_tokens: 2142,
          prompt_tokens_details: {
            cached_tokens: 2000,
            cache_creation_tokens: 100,
            cache_creation_token_details: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 0 },
          },
        },
      },
    ]);
  });

  it("numbers parallel tool_use blocks 0, 1 in order and streams their arguments", async () => {
    const chunks = await collect(fixtureLines("anthropic-tool-use.chunks.txt"));
    expect(deltas(chunks)).toEqual([
      { role: "assistant", content: "" },
      undefined,
      { content: "Checking both" },
      {
        tool_calls: [
          {
            index: 0,
            id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
            type: "function",
            function: { name: "get_weather", arguments: "" },
          },
        ],
      },
      { tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: ' "Paris"}' } }] },
      {
        tool_calls: [
          {
            index: 1,
            id: "toolu_01HjLnKwHKGo1N3vZg8fYe9F",
            type: "function",
            function: { name: "get_time", arguments: "" },
          },
        ],
      },
      { tool_calls: [{ index: 1, function: { arguments: '{"timezone": "Europe/Paris"}' } }] },
      {},
      undefined,
    ]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
    // message_delta reported only output tokens: input comes from message_start.
    expect(chunks.at(-1)?.usage).toMatchObject({
      prompt_tokens: 472,
      completion_tokens: 89,
      total_tokens: 561,
    });
  });

  it("streams the forced json_response tool's input as content and finishes with stop", async () => {
    const chunks = await collect(fixtureLines("anthropic-json-tool.chunks.txt"));
    const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(content).toBe('{"city": "San Francisco", "temperature": 58}');
    expect(chunks.some((chunk) => chunk.choices[0]?.delta.tool_calls)).toBe(false);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("streams thinking as reasoning_content, then the signed block whole; skips unknown events; maps refusal to content_filter", async () => {
    const chunks = await collect(fixtureLines("anthropic-thinking.chunks.txt"));
    expect(deltas(chunks)).toEqual([
      { role: "assistant", content: "" },
      undefined,
      { reasoning_content: "Short answer." },
      {
        thinking_blocks: [
          { type: "thinking", thinking: "Short answer.", signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3h" },
        ],
      },
      { content: "42." },
      {},
      undefined,
    ]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("content_filter");
  });

  it("throws a retryable overloaded error (529) on an in-band overloaded_error, after the text before it", async () => {
    const { chunks, error } = await failure(fixtureLines("anthropic-overloaded.chunks.txt"));
    expect(deltas(chunks)).toEqual([{ role: "assistant", content: "" }, undefined, { content: "Once upon" }]);
    expect(chunks[1]?.usage).toMatchObject({ prompt_tokens: 25 });
    expect(error).toMatchObject({
      kind: "overloaded",
      status: 529,
      isRetryable: true,
      provider: "anthropic",
    });
    expect(error.message).toBe("anthropic stream failed: Overloaded (overloaded_error)");
  });

  it("throws a stream error when the body ends before message_stop", async () => {
    const lines = fixtureLines("anthropic-text.chunks.txt").slice(0, 5);
    const { chunks, error } = await failure(lines);
    expect(chunks).toHaveLength(4);
    expect(error).toMatchObject({ kind: "stream", isRetryable: true });
    expect(error.message).toBe("anthropic stream ended before message_stop");
  });

  it("throws invalid_response for an event that is not JSON", async () => {
    const lines = fixtureLines("anthropic-text.chunks.txt");
    const text = 'event: content_block_delta\ndata: {"type":"content_block_delta",\n\n';
    const body = (async function* () {
      yield `event: message_start\ndata: ${lines[0]}\n\n`;
      yield text;
    })();
    const events = parseSse({ provider: "anthropic", url, body, signal: new AbortController().signal });
    const chunks: ChatCompletionChunk[] = [];
    await expect(async () => {
      for await (const chunk of convertAnthropicStream(events, { provider: "anthropic", url, model: "m" })) {
        chunks.push(chunk);
      }
    }).rejects.toMatchObject({ kind: "invalid_response" });
    expect(chunks).toHaveLength(2);
  });

  it("throws invalid_response for a known event missing its fields", async () => {
    const lines = fixtureLines("anthropic-text.chunks.txt");
    const { error } = await failure([
      lines[0] ?? "",
      '{"type":"content_block_delta","delta":{"type":"text_delta"}}',
    ]);
    expect(error.kind).toBe("invalid_response");
  });

  it("reports the requested model until message_start names one, and no usage chunk without usage", async () => {
    const chunks = await collect([
      '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":"Hi"}}',
      '{"type":"message_stop"}',
    ]);
    expect(chunks).toEqual([
      {
        id: "",
        object: "chat.completion.chunk",
        created: 1,
        model: "claude-sonnet-4-0",
        choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }],
      },
      {
        id: "",
        object: "chat.completion.chunk",
        created: 1,
        model: "claude-sonnet-4-0",
        choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
      },
    ]);
  });
});
