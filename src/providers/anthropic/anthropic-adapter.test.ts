import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defaultCatalog } from "../../config/default-catalog.js";
import type { ChatCompletionChunk, ChatRequest } from "../../core/chat.js";
import type { ModelSpec } from "../../core/model-catalog.js";
import type { ProviderAdapter, ProviderSettings } from "../../core/provider-adapter.js";
import { isUpstreamError, type UpstreamError } from "../../core/upstream-error.js";
import { createFakeAnthropic, type FakeAnthropic } from "../../fakes/anthropic/fake-anthropic.js";
import { createAnthropicAdapter } from "./anthropic-adapter.js";

const apiKey = "sk-ant-test-0123456789";

// The catalog entry the gateway really routes to: max_tokens defaults to its ceiling.
const model = defaultCatalog()["claude-sonnet-4"] as ModelSpec;

const request: ChatRequest = {
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hi" },
  ],
};

let fake: FakeAnthropic;
let adapter: ProviderAdapter;

beforeAll(async () => {
  fake = await createFakeAnthropic();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.server.reset();
  adapter = createAnthropicAdapter(settings({}));
});

function settings(overrides: Partial<ProviderSettings>): ProviderSettings {
  return {
    name: "anthropic",
    kind: "anthropic",
    apiKey,
    baseUrl: `${fake.baseUrl}/`,
    timeouts: { connectMs: 1000, firstByteMs: 200, answerMs: 200, idleMs: 1000 },
    ...overrides,
  };
}

const call = () => ({ signal: new AbortController().signal });

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const text = (chunks: ChatCompletionChunk[]) =>
  chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    if (isUpstreamError(error)) return error;
    throw error;
  }
  throw new Error("expected an UpstreamError");
}

describe("createAnthropicAdapter: chat", () => {
  it("posts to /v1/messages with the key, the API version, system and max_tokens", async () => {
    const completion = await adapter.chat(model, request, call());
    expect(completion.choices[0]?.message.content).toBe("Hello from fake claude-sonnet-4-0");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.model).toBe("claude-sonnet-4-0");
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    const [sent] = fake.chatCalls();
    expect(sent?.path).toBe("/v1/messages");
    expect(sent?.headers["x-api-key"]).toBe(apiKey);
    expect(sent?.headers["anthropic-version"]).toBe("2023-06-01");
    expect(sent?.body).toEqual({
      model: "claude-sonnet-4-0",
      max_tokens: 64_000,
      system: [{ type: "text", text: "Be brief." }],
      messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
    });
  });

  it("books cache reads and writes into prompt_tokens", async () => {
    fake.enqueueChat(
      fake.replies.text("Cached.", {
        inputTokens: 5000,
        cachedInputTokens: 4000,
        cacheWriteInputTokens: 900,
        outputTokens: 3,
      }),
    );
    const completion = await adapter.chat(model, request, call());
    expect(completion.usage).toEqual({
      prompt_tokens: 5000,
      completion_tokens: 3,
      total_tokens: 5003,
      prompt_tokens_details: {
        cached_tokens: 4000,
        cache_creation_tokens: 900,
        cache_creation_token_details: { ephemeral_5m_input_tokens: 900, ephemeral_1h_input_tokens: 0 },
      },
    });
  });

  it("returns a tool call with finish_reason tool_calls", async () => {
    fake.enqueueChat(fake.replies.toolCall("get_weather", '{"location":"Paris"}'));
    const completion = await adapter.chat(
      model,
      { ...request, tools: [{ type: "function", function: { name: "get_weather" } }] },
      call(),
    );
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    expect(completion.choices[0]?.message.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^toolu_/),
        type: "function",
        function: { name: "get_weather", arguments: '{"location":"Paris"}' },
      },
    ]);
  });

  it("answers a JSON response_format with the forced tool's input as content", async () => {
    fake.enqueueChat(fake.replies.toolCall("json_response", '{"city":"Paris"}'));
    const completion = await adapter.chat(
      model,
      { ...request, response_format: { type: "json_object" } },
      call(),
    );
    expect(completion.choices[0]?.message).toEqual({ role: "assistant", content: '{"city":"Paris"}' });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(fake.chatCalls()[0]?.body).toMatchObject({ tool_choice: { type: "tool", name: "json_response" } });
  });

  it("maps max_tokens to finish_reason length", async () => {
    fake.enqueueChat(fake.replies.textWithStopReason("Cut sh", "max_tokens"));
    const completion = await adapter.chat(model, { ...request, max_tokens: 2 }, call());
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(fake.chatCalls()[0]?.body).toMatchObject({ max_tokens: 2 });
  });
});

describe("createAnthropicAdapter: streamChat", () => {
  it("streams the default answer with role, content, finish and usage chunks", async () => {
    const chunks = await collect(await adapter.streamChat(model, request, call()));
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    expect(text(chunks)).toBe("Hello from fake claude-sonnet-4-0");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(fake.chatCalls()[0]?.body).toMatchObject({ stream: true, max_tokens: 64_000 });
  });

  it("combines message_start's input usage with message_delta's output usage", async () => {
    fake.enqueueChat(
      fake.replies.stream(["a", "b"], {
        usage: { inputTokens: 300, cachedInputTokens: 200, outputTokens: 2 },
      }),
    );
    const chunks = await collect(await adapter.streamChat(model, request, call()));
    expect(chunks.at(-1)?.usage).toEqual({
      prompt_tokens: 300,
      completion_tokens: 2,
      total_tokens: 302,
      prompt_tokens_details: { cached_tokens: 200, cache_creation_tokens: 0 },
    });
  });

  it("streams parallel tool calls with OpenAI indexes and whole arguments", async () => {
    fake.enqueueChat(
      fake.replies.toolCallStream(
        [
          { name: "get_weather", argumentsJson: '{"location":"Paris","unit":"celsius"}' },
          { name: "get_time", argumentsJson: '{"timezone":"Europe/Paris"}' },
        ],
        { text: "Checking." },
      ),
    );
    const chunks = await collect(await adapter.streamChat(model, request, call()));
    const calls = new Map<number, { id?: string; name?: string; arguments: string }>();
    for (const delta of chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])) {
      const entry = calls.get(delta.index) ?? { arguments: "" };
      entry.id ??= delta.id;
      entry.name ??= delta.function?.name;
      entry.arguments += delta.function?.arguments ?? "";
      calls.set(delta.index, entry);
    }
    expect([...calls.entries()]).toEqual([
      [
        0,
        {
          id: expect.stringMatching(/^toolu_/),
          name: "get_weather",
          arguments: '{"location":"Paris","unit":"celsius"}',
        },
      ],
      [
        1,
        { id: expect.stringMatching(/^toolu_/), name: "get_time", arguments: '{"timezone":"Europe/Paris"}' },
      ],
    ]);
    expect(text(chunks)).toBe("Checking.");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("yields each chunk as its event arrives, not at the end", async () => {
    // Events 200 ms apart: "one" is the 4th of 9 (about 600 ms in); the stream ends no sooner than 1.6 s in.
    fake.enqueueChat(fake.replies.stream(["one", "two", "three"], { chunkDelayMs: 200 }));
    const started = Date.now();
    let firstContentAfterMs: number | undefined;
    const texts: string[] = [];
    for await (const chunk of await adapter.streamChat(model, request, call())) {
      const content = chunk.choices[0]?.delta.content;
      if (!content) continue;
      firstContentAfterMs ??= Date.now() - started;
      texts.push(content);
    }
    expect(texts).toEqual(["one", "two", "three"]);
    expect(firstContentAfterMs).toBeLessThan(1_400);
  });

  it("aborts the upstream request when the caller breaks out early", async () => {
    fake.enqueueChat(fake.replies.stream(["a", "b", "c", "d", "e", "f"], { chunkDelayMs: 40 }));
    for await (const chunk of await adapter.streamChat(model, request, call())) {
      if (chunk.choices[0]?.delta.content === "a") break;
    }
    await expect.poll(() => fake.chatCalls()[0]?.clientClosedEarly, { timeout: 2000 }).toBe(true);
  });
});

describe("createAnthropicAdapter: faults", () => {
  it("maps 429 with retry-after to rate_limited with retryAfterMs and the envelope's message", async () => {
    fake.enqueueChat(
      fake.replies.error(429, "Number of request tokens has exceeded your rate limit", {
        retryAfterSeconds: 7,
      }),
    );
    const error = await rejection(adapter.chat(model, request, call()));
    expect(error).toMatchObject({ kind: "rate_limited", status: 429, isRetryable: true, retryAfterMs: 7000 });
    expect(error.message).toBe(
      "anthropic answered 429: Number of request tokens has exceeded your rate limit (rate_limit_error)",
    );
  });

  it.each([
    [500, "server", true],
    [529, "overloaded", true],
    [503, "overloaded", true],
    [400, "request", false],
    [401, "misconfigured", true],
    [403, "misconfigured", true],
    [404, "misconfigured", true],
  ] as const)("maps HTTP %i to %s (retryable: %s), streaming or not", async (status, kind, retryable) => {
    fake.enqueueChat(fake.replies.error(status, "It failed"), fake.replies.error(status, "It failed"));
    const error = await rejection(adapter.chat(model, request, call()));
    expect(error).toMatchObject({ kind, status, isRetryable: retryable });
    expect(error.message).toMatch(new RegExp(`^anthropic answered ${status}: It failed \\(\\w+_error\\)$`));
    expect(error.message).not.toContain(apiKey);
    const streamError = await rejection(adapter.streamChat(model, request, call()));
    expect(streamError).toMatchObject({ kind, status, isRetryable: retryable });
  });

  it("reports a missing key as the 401 the API answers", async () => {
    const keyless = createAnthropicAdapter(settings({ apiKey: undefined }));
    const error = await rejection(keyless.chat(model, request, call()));
    expect(error).toMatchObject({ kind: "misconfigured", status: 401 });
    expect(fake.chatCalls()[0]?.headers["x-api-key"]).toBeUndefined();
  });

  it("maps a connection reset to connection", async () => {
    fake.enqueueChat({ type: "reset" });
    const error = await rejection(adapter.chat(model, request, call()));
    expect(error).toMatchObject({ kind: "connection", isRetryable: true });
  });

  it("maps a silent upstream to timeout after firstByteMs", async () => {
    fake.enqueueChat({ type: "hang" });
    const started = Date.now();
    const error = await rejection(adapter.chat(model, request, call()));
    expect(error).toMatchObject({ kind: "timeout", isRetryable: true });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("maps a 200 body that is not JSON, or not a message, to invalid_response", async () => {
    fake.enqueueChat(
      { type: "raw", body: "<html>Bad gateway</html>" },
      { type: "json", body: { hello: "world" } },
    );
    expect((await rejection(adapter.chat(model, request, call()))).kind).toBe("invalid_response");
    expect((await rejection(adapter.chat(model, request, call()))).kind).toBe("invalid_response");
  });

  it("fails a 200 stream whose events are not JSON (invalid_response) or that is not SSE at all (stream)", async () => {
    fake.enqueueChat(
      { type: "sse", events: [{ event: "message_start", data: "{not json" }] },
      { type: "raw", body: "<html>Bad gateway</html>" },
    );
    const garbled = await rejection(collect(await adapter.streamChat(model, request, call())));
    expect(garbled).toMatchObject({ kind: "invalid_response", isRetryable: true });
    const notSse = await rejection(collect(await adapter.streamChat(model, request, call())));
    expect(notSse).toMatchObject({ kind: "stream", isRetryable: true });
  });

  it("throws the in-band overloaded_error as a retryable 529 after the text before it", async () => {
    fake.enqueueChat(fake.replies.streamError(["Once", " upon"]));
    const chunks: ChatCompletionChunk[] = [];
    const error = await rejection(
      (async () => {
        for await (const chunk of await adapter.streamChat(model, request, call())) chunks.push(chunk);
      })(),
    );
    expect(text(chunks)).toBe("Once upon");
    expect(error).toMatchObject({ kind: "overloaded", status: 529, isRetryable: true });
    expect(error.message).toBe("anthropic stream failed: Overloaded (overloaded_error)");
  });

  it("fails a stream whose socket is cut after a few events", async () => {
    fake.enqueueChat(fake.replies.stream(["a", "b", "c"], { cutAfter: 5, chunkDelayMs: 20 }));
    const chunks: ChatCompletionChunk[] = [];
    const error = await rejection(
      (async () => {
        for await (const chunk of await adapter.streamChat(model, request, call())) chunks.push(chunk);
      })(),
    );
    // The fake destroys the socket right after writing event N, which may not
    // have left the machine yet: "b" may or may not arrive; "a" (20 ms earlier) has.
    expect(["a", "ab"]).toContain(text(chunks));
    // The socket died under the body: a connection error, retryable like any broken stream.
    expect(error).toMatchObject({ kind: "connection", isRetryable: true });
  });

  it("fails a stream whose body ends cleanly before message_stop", async () => {
    const full = fake.replies.stream(["a", "b"]);
    if (full.type !== "sse") throw new Error("expected an SSE reply");
    fake.enqueueChat({ ...full, events: full.events.slice(0, -2) });
    const error = await rejection(collect(await adapter.streamChat(model, request, call())));
    expect(error).toMatchObject({ kind: "stream", isRetryable: true });
  });

  it("passes the caller's abort through as the abort reason", async () => {
    fake.enqueueChat({ type: "hang" });
    const controller = new AbortController();
    const pending = adapter.chat(model, request, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("caller left")), 50);
    await expect(pending).rejects.toThrow("caller left");
  });

  it("rejects a request Anthropic cannot take before calling it", async () => {
    const error = await rejection(
      adapter.chat(
        model,
        {
          messages: [
            { role: "user", content: [{ type: "image_url", image_url: { url: "file:///etc/passwd" } }] },
          ],
        },
        call(),
      ),
    );
    expect(error).toMatchObject({ kind: "request", isRetryable: false });
    expect(fake.chatCalls()).toHaveLength(0);
  });
});

describe("createAnthropicAdapter: system messages inside messages", () => {
  const opus45 = defaultCatalog()["claude-opus-4-5"] as ModelSpec;
  // Claude Opus 4.8 takes them (the fake refuses them on every older model, as the API does).
  const opus48: ModelSpec = {
    ...opus45,
    name: "claude-opus-4-8",
    providerModelId: "claude-opus-4-8",
    midConversationSystemMessages: true,
  };
  const messages = [
    { role: "user", content: [{ type: "text", text: "Say hello.", cache_control: { type: "ephemeral" } }] },
    { role: "system", content: "# MCP Server Instructions" },
  ];
  const native = {
    protocol: "anthropic-messages" as const,
    body: { model: "claude-opus-4-8", max_tokens: 100, system: "You are Claude Code.", messages },
    headers: {},
  };

  it("natively, a model that takes them gets the body as sent", async () => {
    const parts = await adapter.streamNative?.(opus48, native, call());
    for await (const _part of parts ?? []) {
      // drained: the answer is the fake's default
    }
    expect(fake.chatCalls()[0]?.body).toEqual({ ...native.body, stream: true });
  });

  it("natively, an older model gets them at the end of system, and answers", async () => {
    const answer = await adapter.chatNative?.(opus45, native, call());
    expect(answer?.completion.choices[0]?.message.content).toBe("Hello from fake claude-opus-4-5");
    expect(fake.chatCalls()[0]?.body).toEqual({
      model: "claude-opus-4-5",
      max_tokens: 100,
      stream: false,
      system: [
        { type: "text", text: "You are Claude Code." },
        { type: "text", text: "# MCP Server Instructions" },
      ],
      messages: [messages[0]],
    });
  });

  it("translated, a model that takes them gets a system turn where the message stood", async () => {
    const translated: ChatRequest = {
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "Say hello." },
        { role: "system", content: "Use the gw tools." },
      ],
    };
    const completion = await adapter.chat(opus48, translated, call());
    expect(completion.choices[0]?.message.content).toBe("Hello from fake claude-opus-4-8");
    expect(fake.chatCalls()[0]?.body).toMatchObject({
      system: [{ type: "text", text: "You are terse." }],
      messages: [
        { role: "user", content: [{ type: "text", text: "Say hello." }] },
        { role: "system", content: [{ type: "text", text: "Use the gw tools." }] },
      ],
    });
    await adapter.chat(opus45, translated, call());
    expect(fake.chatCalls()[1]?.body).toMatchObject({
      system: [
        { type: "text", text: "You are terse." },
        { type: "text", text: "Use the gw tools." },
      ],
      messages: [{ role: "user", content: [{ type: "text", text: "Say hello." }] }],
    });
  });
});
