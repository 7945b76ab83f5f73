import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ProviderAdapter } from "../../core/provider-adapter.js";
import type { FakeProvider } from "../../fakes/fake-provider.js";
import { createFakeOpenAi } from "../../fakes/openai/fake-openai.js";
import { openAiEmbeddingsReply } from "../../fakes/openai/openai-style-fake.js";
import {
  collectChunks,
  openAiFixture,
  openAiFixtureReply,
  streamedText,
  testModel,
  testSettings,
  upstreamFailure,
} from "./__fixtures__/openai-fixtures.js";
import { createOpenAiAdapter } from "./openai-adapter.js";

const apiKey = "sk-test-0123456789abcdef";
const hello = { messages: [{ role: "user" as const, content: "Say hello" }] };
const model = testModel();
const signal = () => ({ signal: new AbortController().signal });

let fake: FakeProvider;
let adapter: ProviderAdapter;

beforeAll(async () => {
  fake = await createFakeOpenAi();
  adapter = createOpenAiAdapter(testSettings(fake.baseUrl, { apiKey }));
});
afterEach(() => fake.server.reset());
afterAll(() => fake.close());

describe("OpenAI adapter: chat", () => {
  it("posts to {baseUrl}/chat/completions with the bearer key and returns the fake's answer", async () => {
    const completion = await adapter.chat(model, hello, signal());
    expect(completion.choices[0]?.message.content).toBe("Hello from fake gpt-4.1");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.model).toBe("gpt-4.1");
    expect(completion.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 6, total_tokens: 9 });
    const [call] = fake.chatCalls();
    expect(call?.path).toBe("/v1/chat/completions");
    expect(call?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(call?.body).toEqual({ model: "gpt-4.1", messages: hello.messages });
  });

  it("returns recorded cached-token usage and parallel tool calls", async () => {
    fake.enqueueChat(
      { type: "json", body: openAiFixture("openai-text.json") },
      { type: "json", body: openAiFixture("openai-tool-calls.json") },
    );
    const text = await adapter.chat(model, hello, signal());
    expect(text.usage?.prompt_tokens_details).toEqual({ cached_tokens: 1920 });
    const tools = await adapter.chat(model, hello, signal());
    expect(tools.choices[0]?.finish_reason).toBe("tool_calls");
    expect(tools.choices[0]?.message.tool_calls?.map((call) => call.function.arguments)).toEqual([
      '{"city":"Paris"}',
      '{"city":"Tokyo"}',
    ]);
  });

  it("answers a scripted tool call from the fake's replies", async () => {
    fake.enqueueChat(
      fake.replies.toolCall("get_weather", '{"city":"Oslo"}', { inputTokens: 30, outputTokens: 9 }),
    );
    const completion = await adapter.chat(model, hello, signal());
    expect(completion.choices[0]?.message.tool_calls?.[0]?.function).toEqual({
      name: "get_weather",
      arguments: '{"city":"Oslo"}',
    });
    expect(completion.usage?.total_tokens).toBe(39);
  });

  it("sends max_completion_tokens to a reasoning model", async () => {
    const reasoning = testModel({ providerModelId: "o4-mini", usesMaxCompletionTokens: true });
    await adapter.chat(reasoning, { ...hello, max_tokens: 64, temperature: 0.3 }, signal());
    expect(fake.chatCalls()[0]?.body).toEqual({
      model: "o4-mini",
      messages: hello.messages,
      max_completion_tokens: 64,
    });
  });
});

describe("OpenAI adapter: streamChat", () => {
  it("streams the fake's default answer with usage, asking for it with stream_options", async () => {
    const chunks = await collectChunks(await adapter.streamChat(model, hello, signal()));
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    expect(streamedText(chunks)).toBe("Hello from fake gpt-4.1");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 6 } });
    expect(fake.chatCalls()[0]?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("streams recorded parallel tool calls", async () => {
    fake.enqueueChat(openAiFixtureReply("openai-tool-calls.chunks.txt"));
    const chunks = await collectChunks(await adapter.streamChat(model, hello, signal()));
    const calls = new Map<number, { id?: string; name?: string; arguments: string }>();
    for (const delta of chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])) {
      const call = calls.get(delta.index) ?? { arguments: "" };
      calls.set(delta.index, {
        id: call.id ?? delta.id,
        name: call.name ?? delta.function?.name,
        arguments: call.arguments + (delta.function?.arguments ?? ""),
      });
    }
    expect([...calls.values()]).toEqual([
      { id: "call_q8mHh1VvZ1n6sE4tq2GZxYyJ", name: "get_weather", arguments: '{"city": "Paris"}' },
      { id: "call_Wc3rT0pQhN5bL9kXa7yUeD2F", name: "get_weather", arguments: '{"city": "Tokyo"}' },
    ]);
    expect(chunks.at(-1)?.usage?.total_tokens).toBe(134);
  });

  it("rejects before streaming when the upstream answers an HTTP error", async () => {
    fake.enqueueChat(fake.replies.error(429, "Rate limit reached for gpt-4.1", { retryAfterSeconds: 2 }));
    const error = await upstreamFailure(() => adapter.streamChat(model, hello, signal()));
    expect(error).toMatchObject({ kind: "rate_limited", status: 429, retryAfterMs: 2000, isRetryable: true });
  });

  it("throws the in-band error after the tokens before it", async () => {
    fake.enqueueChat(fake.replies.streamError(["Once", " upon"]));
    const stream = await adapter.streamChat(model, hello, signal());
    const seen: string[] = [];
    const error = await upstreamFailure(async () => {
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? "");
    });
    expect(seen.join("")).toBe("Once upon");
    expect(error).toMatchObject({ kind: "server", isRetryable: true });
  });

  it("fails a stream cut after a few events", async () => {
    fake.enqueueChat(fake.replies.stream(["a", "b", "c", "d"], { cutAfter: 3 }));
    const stream = await adapter.streamChat(model, hello, signal());
    const error = await upstreamFailure(() => collectChunks(stream));
    expect(error.kind).toBe("connection");
    expect(error.isRetryable).toBe(true);
  });

  it("fails a stream whose body ends cleanly without [DONE] or a finish reason", async () => {
    const events = openAiFixtureReply("openai-text.chunks.txt", { done: false });
    if (events.type !== "sse") throw new Error("expected an SSE reply");
    fake.enqueueChat({ ...events, events: events.events.slice(0, 3) });
    const stream = await adapter.streamChat(model, hello, signal());
    expect((await upstreamFailure(() => collectChunks(stream))).kind).toBe("stream");
  });

  it("aborts the upstream request when the caller stops reading", async () => {
    const pieces = Array.from({ length: 50 }, (_, index) => ` piece${index}`);
    fake.enqueueChat(fake.replies.stream(pieces, { chunkDelayMs: 20 }));
    const stream = await adapter.streamChat(model, hello, signal());
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) break;
    }
    await expect.poll(() => fake.chatCalls()[0]?.clientClosedEarly, { timeout: 2_000 }).toBe(true);
  });

  it("passes the caller's abort reason through instead of blaming the provider", async () => {
    fake.enqueueChat({ type: "hang" });
    const controller = new AbortController();
    const reason = new Error("caller went away");
    const pending = adapter.streamChat(model, hello, { signal: controller.signal });
    await expect.poll(() => fake.chatCalls().length).toBe(1);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });
});

describe("OpenAI adapter: faults", () => {
  it.each([
    [429, "rate_limited", true],
    [500, "server", true],
    [503, "overloaded", true],
    [400, "request", false],
    [401, "misconfigured", true],
    [403, "misconfigured", true],
    [404, "misconfigured", true],
  ] as const)("maps %i to %s (retryable: %s) with OpenAI's message", async (status, kind, retryable) => {
    fake.enqueueChat(fake.replies.error(status, `failure ${status}`));
    const error = await upstreamFailure(() => adapter.chat(model, hello, signal()));
    expect(error).toMatchObject({ kind, status, isRetryable: retryable, provider: "openai" });
    expect(error.message).toMatch(new RegExp(`^openai answered ${status}: failure ${status}`));
  });

  it("reads retry-after on a 429", async () => {
    fake.enqueueChat(fake.replies.error(429, "Rate limit reached", { retryAfterSeconds: 7 }));
    const error = await upstreamFailure(() => adapter.chat(model, hello, signal()));
    expect(error.retryAfterMs).toBe(7_000);
  });

  it("keeps the key out of the error even when the upstream echoes it", async () => {
    fake.enqueueChat(fake.replies.error(401, `Incorrect API key provided: ${apiKey}.`));
    const error = await upstreamFailure(() => adapter.chat(model, hello, signal()));
    expect(error.message).not.toContain(apiKey);
    expect(error.message).toContain("Incorrect API key provided: [redacted].");
    // What OpenAI really sends is a masked fragment of the key, masked further.
    fake.enqueueChat(fake.replies.error(401, "Incorrect API key provided: sk-proj-****iMcA."));
    const masked = await upstreamFailure(() => adapter.chat(model, hello, signal()));
    expect(masked.message).toContain("Incorrect API key provided: sk-***.");
  });

  it("maps a reset connection to kind connection", async () => {
    fake.enqueueChat({ type: "reset" });
    const error = await upstreamFailure(() => adapter.chat(model, hello, signal()));
    expect(error).toMatchObject({ kind: "connection", isRetryable: true });
  });

  it("maps a first-byte timeout to kind timeout", async () => {
    const impatient = createOpenAiAdapter(
      testSettings(fake.baseUrl, {
        timeouts: { connectMs: 1_000, firstByteMs: 150, answerMs: 150, idleMs: 1_000 },
      }),
    );
    fake.enqueueChat({ type: "hang" });
    const error = await upstreamFailure(() => impatient.chat(model, hello, signal()));
    expect(error).toMatchObject({ kind: "timeout", isRetryable: true });
  });

  it("maps a garbage 200 body to invalid_response", async () => {
    fake.enqueueChat({ type: "raw", body: "<html>upstream proxy error</html>" });
    expect((await upstreamFailure(() => adapter.chat(model, hello, signal()))).kind).toBe("invalid_response");
    fake.enqueueChat({ type: "json", body: { choices: [{ message: "not an object" }] } });
    expect((await upstreamFailure(() => adapter.chat(model, hello, signal()))).kind).toBe("invalid_response");
  });
});

describe("OpenAI adapter: embed", () => {
  const embeddingModel = testModel({
    name: "text-embedding-3-large",
    kind: "embedding",
    providerModelId: "text-embedding-3-large",
  });

  it("posts to {baseUrl}/embeddings with dimensions and returns one vector per input", async () => {
    const embed = adapter.embed;
    if (!embed) throw new Error("the OpenAI adapter must embed");
    const result = await embed(
      embeddingModel,
      { input: ["alpha", "beta"], dimensions: 256, user: "agent-7" },
      signal(),
    );
    expect(result.embeddings).toHaveLength(2);
    expect(result.embeddings.every((vector) => vector.length === 256)).toBe(true);
    expect(result.embeddings[0]).not.toEqual(result.embeddings[1]);
    // The fake counts about four characters a token: "alpha" 2, "beta" 1.
    expect(result.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    expect(result.usageEstimated).toBeUndefined();
    const [call] = fake.embeddingCalls?.() ?? [];
    expect(call?.path).toBe("/v1/embeddings");
    expect(call?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(call?.body).toEqual({
      model: "text-embedding-3-large",
      input: ["alpha", "beta"],
      dimensions: 256,
      user: "agent-7",
    });
  });

  it("orders vectors by index as OpenAI numbers them", async () => {
    fake.enqueueEmbeddings?.({ type: "json", body: openAiFixture("openai-embeddings.json") });
    const result = await adapter.embed?.(embeddingModel, { input: ["first", "second"] }, signal());
    expect(result?.embeddings).toEqual([
      [-0.0069, 0.0132, 0.9998],
      [0.25, -0.5, 0.125],
    ]);
    expect(result?.usage.prompt_tokens).toBe(9);
  });

  it("estimates usage when a compatible server reports none", async () => {
    fake.enqueueEmbeddings?.({ type: "json", body: { data: [{ embedding: [1, 0] }] } });
    const result = await adapter.embed?.(embeddingModel, { input: ["twelve chars"] }, signal());
    expect(result?.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    expect(result?.usageEstimated).toBe(true);
  });

  it("fails with invalid_response when vectors and inputs do not match", async () => {
    fake.enqueueEmbeddings?.(openAiEmbeddingsReply([[1, 0]]));
    const error = await upstreamFailure(
      () => adapter.embed?.(embeddingModel, { input: ["a", "b"] }, signal()) ?? Promise.resolve(),
    );
    expect(error.kind).toBe("invalid_response");
  });

  it("maps an embeddings 429 like a chat one", async () => {
    fake.enqueueEmbeddings?.(fake.replies.error(429, "Rate limit reached", { retryAfterSeconds: 1 }));
    const error = await upstreamFailure(
      () => adapter.embed?.(embeddingModel, { input: ["a"] }, signal()) ?? Promise.resolve(),
    );
    expect(error).toMatchObject({ kind: "rate_limited", retryAfterMs: 1_000 });
  });
});
