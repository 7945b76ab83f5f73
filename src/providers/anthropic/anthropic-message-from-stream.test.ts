import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defaultCatalog } from "../../config/default-catalog.js";
import type { ModelSpec } from "../../core/model-catalog.js";
import type { NativeRequest, NativeStreamPart } from "../../core/provider-adapter.js";
import { isUpstreamError } from "../../core/upstream-error.js";
import { createFakeAnthropic, type FakeAnthropic } from "../../fakes/anthropic/fake-anthropic.js";
import { createAnthropicAdapter } from "./anthropic-adapter.js";
import { AnthropicMessageFromStream } from "./anthropic-message-from-stream.js";

const source = { provider: "anthropic", url: "https://api.anthropic.com/v1/messages" };

function fold(events: Array<Record<string, unknown>>): Record<string, unknown> | undefined {
  const message = new AnthropicMessageFromStream(source);
  for (const event of events) message.add(event);
  return message.result();
}

function fixtureEvents(name: string): Array<Record<string, unknown>> {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("AnthropicMessageFromStream, on recorded streams", () => {
  it("text: the message of message_start, its text joined, stop reason and usage of message_delta", () => {
    expect(fold(fixtureEvents("anthropic-text.chunks.txt"))).toEqual({
      model: "claude-sonnet-4-5-20250929",
      id: "msg_01QC4g3HwBThD4BaNtBckFDJ",
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: "Hello! How are you doing today?" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: {
        input_tokens: 12,
        cache_creation_input_tokens: 100,
        cache_read_input_tokens: 2000,
        cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 0 },
        output_tokens: 30,
        service_tier: "standard",
      },
    });
  });

  it("tool use: each block's input JSON fragments parsed into `input`", () => {
    const message = fold(fixtureEvents("anthropic-tool-use.chunks.txt"));
    expect(message?.content).toEqual([
      { type: "text", text: "Checking both" },
      {
        type: "tool_use",
        id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
        name: "get_weather",
        input: { location: "Paris" },
      },
      {
        type: "tool_use",
        id: "toolu_01HjLnKwHKGo1N3vZg8fYe9F",
        name: "get_time",
        input: { timezone: "Europe/Paris" },
      },
    ]);
    expect(message).toMatchObject({
      stop_reason: "tool_use",
      usage: { input_tokens: 472, output_tokens: 89 },
    });
  });

  it("thinking: the thinking text joined and the signature of signature_delta", () => {
    const content = fold(fixtureEvents("anthropic-thinking.chunks.txt"))?.content as Array<
      Record<string, unknown>
    >;
    const thinking = content.find((block) => block.type === "thinking");
    expect(thinking?.thinking).toEqual(expect.any(String));
    expect(String(thinking?.thinking).length).toBeGreaterThan(0);
    expect(thinking?.signature).toEqual(expect.any(String));
    expect(String(thinking?.signature).length).toBeGreaterThan(0);
  });

  it("nothing before message_stop: a cut stream has no whole message", () => {
    const events = fixtureEvents("anthropic-text.chunks.txt");
    expect(fold(events.slice(0, -1))).toBeUndefined();
  });
});

describe("AnthropicMessageFromStream, on what the SDK folds beyond our fixtures", () => {
  const start = {
    type: "message_start",
    message: {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 1 },
    },
  };

  it("citations grow their text block; unknown blocks stay as started; tool input without fragments stays {}", () => {
    const citation = { type: "char_location", cited_text: "x", document_index: 0 };
    const message = fold([
      start,
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Per the doc" } },
      { type: "content_block_delta", index: 0, delta: { type: "citations_delta", citation } },
      { type: "content_block_stop", index: 0 },
      {
        type: "content_block_start",
        index: 1,
        content_block: { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [] },
      },
      { type: "content_block_stop", index: 1 },
      {
        type: "content_block_start",
        index: 2,
        content_block: { type: "tool_use", id: "toolu_1", name: "now", input: {} },
      },
      { type: "content_block_stop", index: 2 },
      {
        type: "message_delta",
        delta: { stop_reason: "stop_sequence", stop_sequence: "END" },
        usage: { output_tokens: 42, server_tool_use: { web_search_requests: 1 } },
      },
      { type: "message_stop" },
    ]);
    expect(message).toEqual({
      ...start.message,
      content: [
        { type: "text", text: "Per the doc", citations: [citation] },
        { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [] },
        { type: "tool_use", id: "toolu_1", name: "now", input: {} },
      ],
      stop_reason: "stop_sequence",
      stop_sequence: "END",
      usage: { input_tokens: 10, output_tokens: 42, server_tool_use: { web_search_requests: 1 } },
    });
  });

  it("tool input that is not JSON is a stream failure, not a body with a string in it", () => {
    const fold = new AnthropicMessageFromStream(source);
    fold.add(start);
    fold.add({
      type: "content_block_start",
      index: 0,
      content_block: { type: "tool_use", id: "t", name: "f" },
    });
    fold.add({
      type: "content_block_delta",
      index: 0,
      delta: { type: "input_json_delta", partial_json: '{"a":' },
    });
    const failure = (() => {
      try {
        fold.add({ type: "content_block_stop", index: 0 });
      } catch (error) {
        return error;
      }
    })();
    expect(isUpstreamError(failure) && failure.kind).toBe("invalid_response");
  });
});

describe("the Anthropic adapter's native stream, asked for the body: the same reply streamed and not", () => {
  const model = defaultCatalog()["claude-sonnet-4"] as ModelSpec;
  const native: NativeRequest = {
    protocol: "anthropic-messages",
    body: { max_tokens: 1024, messages: [{ role: "user", content: "Hi" }] },
    headers: {},
  };
  let fake: FakeAnthropic;
  beforeAll(async () => {
    fake = await createFakeAnthropic();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.server.reset());

  const adapter = () =>
    createAnthropicAdapter({
      name: "anthropic",
      kind: "anthropic",
      apiKey: "sk-ant-test-0123456789",
      baseUrl: fake.baseUrl,
      timeouts: { connectMs: 1000, firstByteMs: 1000, answerMs: 1000, idleMs: 1000 },
    });

  async function streamedBody(): Promise<unknown> {
    const signal = new AbortController().signal;
    const parts: NativeStreamPart[] = [];
    const stream = await adapter().streamNative?.(model, native, { signal, assembleBody: true });
    for await (const part of stream ?? []) parts.push(part);
    expect(parts.filter((part) => part.body !== undefined)).toHaveLength(1);
    expect(parts.at(-1)?.body).toBeDefined();
    return parts.at(-1)?.body;
  }

  async function unstreamedBody(): Promise<unknown> {
    const answer = await adapter().chatNative?.(model, native, { signal: new AbortController().signal });
    return answer?.body;
  }

  const replies = () => ({
    "thinking, redacted thinking and text": fake.replies.thinkingText(
      "Let me think it over",
      "The answer is 4.",
      {
        redactedData: "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT",
        usage: { inputTokens: 30, outputTokens: 25, cachedInputTokens: 7, cacheWriteInputTokens: 3 },
      },
    ),
    "thinking and a tool call": fake.replies.thinkingToolCall("I need the weather", {
      name: "get_weather",
      argumentsJson: JSON.stringify({ location: "Paris", unit: "celsius", days: [1, 2] }),
    }),
    "text cut at max_tokens": fake.replies.textWithStopReason("A long story begins", "max_tokens"),
  });

  const names = [
    "thinking, redacted thinking and text",
    "thinking and a tool call",
    "text cut at max_tokens",
  ];
  for (const name of names) {
    it(`${name}: the folded stream equals the unstreamed body, field by field`, async () => {
      const reply = replies()[name as keyof ReturnType<typeof replies>];
      fake.enqueueChat(reply, reply);
      const unstreamed = await unstreamedBody();
      const streamed = await streamedBody();
      expect(fake.chatCalls().map((call) => (call.body as { stream?: boolean }).stream)).toEqual([
        false,
        true,
      ]);
      expect(streamed).toEqual(unstreamed);
      expect(JSON.stringify(streamed)).toBe(JSON.stringify(unstreamed));
    });
  }

  it("without assembleBody no part carries a body", async () => {
    const stream = await adapter().streamNative?.(model, native, { signal: new AbortController().signal });
    for await (const part of stream ?? []) expect(part.body).toBeUndefined();
  });
});
