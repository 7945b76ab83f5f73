import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ChatCompletionChunk, ChatRequest } from "../../core/chat.js";
import type { ModelSpec } from "../../core/model-catalog.js";
import type { ProviderSettings } from "../../core/provider-adapter.js";
import type { FakeProvider } from "../../fakes/fake-provider.js";
import { ControlledStream } from "../../fakes/fake-upstream-server.js";
import { createFakeGoogle, googleEmbeddingsReply } from "../../fakes/google/fake-google.js";
import { googleChunkLines, googleFixture } from "./__fixtures__/google-fixtures.js";
import { createGoogleAdapter } from "./google-adapter.js";

const pricing = {
  inputMicroUsdPerMtok: 300_000,
  outputMicroUsdPerMtok: 2_500_000,
  cachedInputMicroUsdPerMtok: 30_000,
  cacheWriteMicroUsdPerMtok: 300_000,
};
const flash: ModelSpec = {
  name: "gemini-flash",
  kind: "chat",
  provider: "google",
  providerModelId: "gemini-2.5-flash",
  contextWindow: 1_048_576,
  maxOutputTokens: 65_536,
  pricing,
};
const embedding: ModelSpec = {
  ...flash,
  name: "gemini-embedding",
  kind: "embedding",
  providerModelId: "gemini-embedding-001",
};
const hello: ChatRequest = { messages: [{ role: "user", content: "Say hello" }], max_tokens: 100 };
const apiKey = "test-google-key-do-not-leak";

let fake: FakeProvider;
const settings = (overrides: Partial<ProviderSettings["timeouts"]> = {}): ProviderSettings => ({
  name: "google",
  kind: "google",
  apiKey,
  baseUrl: fake.baseUrl,
  timeouts: { connectMs: 2_000, firstByteMs: 2_000, answerMs: 2_000, idleMs: 2_000, ...overrides },
});
let adapter: ReturnType<typeof createGoogleAdapter>;
const options = () => ({ signal: new AbortController().signal });

beforeAll(async () => {
  fake = await createFakeGoogle();
  adapter = createGoogleAdapter(settings());
});
afterAll(() => fake.close());
beforeEach(() => fake.server.reset());

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const contentOf = (chunks: ChatCompletionChunk[]) =>
  chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
const sse = (fixture: string, keepLines?: number) => ({
  type: "sse" as const,
  events: googleChunkLines(fixture)
    .slice(0, keepLines)
    .map((data) => ({ data })),
});

describe("google adapter: chat", () => {
  it("round-trips a chat through the fake with content, finish reason and usage", async () => {
    const completion = await adapter.chat(flash, hello, options());

    expect(completion.choices[0]?.message.content).toBe("Hello from fake gemini-2.5-flash");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.model).toBe("gemini-2.5-flash");
    expect(completion.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 8, total_tokens: 11 });
    const [call] = fake.chatCalls();
    expect(call?.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
    expect(call?.headers["x-goog-api-key"]).toBe(apiKey);
    expect(call?.query.toString()).toBe("");
    expect(call?.body).toEqual({
      contents: [{ role: "user", parts: [{ text: "Say hello" }] }],
      generationConfig: { maxOutputTokens: 100 },
    });
  });

  it("returns a scripted function call as a tool call", async () => {
    fake.enqueueChat(
      fake.replies.toolCall("get_weather", '{"city":"Paris"}', { inputTokens: 30, outputTokens: 5 }),
    );

    const completion = await adapter.chat(flash, hello, options());

    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    expect(completion.choices[0]?.message.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^call_[A-Za-z0-9_-]+_0$/),
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Paris"}' },
      },
    ]);
    expect(completion.usage).toMatchObject({ prompt_tokens: 30, completion_tokens: 5 });
  });

  it("reads a recorded-shape answer with cached tokens", async () => {
    fake.enqueueChat({ type: "json", body: googleFixture("google-cached-usage.json") });

    const completion = await adapter.chat(flash, hello, options());

    expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(11980);
    expect(completion.model).toBe("gemini-2.5-pro");
  });
});

describe("google adapter: streamChat", () => {
  it("streams the default answer with finish reason and final usage", async () => {
    const chunks = await collect(await adapter.streamChat(flash, hello, options()));

    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    expect(contentOf(chunks)).toBe("Hello from fake gemini-2.5-flash");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 8 } });
    const [call] = fake.chatCalls();
    expect(call?.path).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent");
    expect(call?.query.get("alt")).toBe("sse");
    expect(call?.headers["x-goog-api-key"]).toBe(apiKey);
  });

  it("streams recorded-shape parallel function calls", async () => {
    fake.enqueueChat(sse("google-parallel-tool-calls.chunks.txt"));

    const chunks = await collect(await adapter.streamChat(flash, hello, options()));

    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls.map((call) => [call.index, call.function?.name, call.function?.arguments])).toEqual([
      [0, "get_weather", '{"city":"Paris"}'],
      [1, "get_weather", '{"city":"Tokyo"}'],
    ]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)?.usage?.total_tokens).toBe(101);
  });

  it("yields each chunk as it arrives, before the upstream finished", async () => {
    // The fake sends "one" at once, the rest 500 ms apart: the stream ends no sooner than 1 s in.
    fake.enqueueChat(fake.replies.stream(["one", " two", " three"], { chunkDelayMs: 500 }));
    const started = Date.now();

    const iterator = (await adapter.streamChat(flash, hello, options()))[Symbol.asyncIterator]();
    await iterator.next();
    const first = await iterator.next();

    expect(first.value?.choices[0]?.delta.content).toBe("one");
    expect(Date.now() - started).toBeLessThan(900);
    await iterator.return?.();
  });
});

describe("google adapter: embed", () => {
  it("embeds a batch through batchEmbedContents with estimated usage", async () => {
    const result = await adapter.embed?.(
      embedding,
      { input: ["hello world", "bye"], dimensions: 16 },
      options(),
    );

    expect(result?.model).toBe("gemini-embedding-001");
    expect(result?.embeddings).toHaveLength(2);
    expect(result?.embeddings[0]).toHaveLength(16);
    // Gemini reports no usage: ceil(11 / 4) + ceil(3 / 4)
    expect(result?.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
    expect(result?.usageEstimated).toBe(true);
    const [call] = fake.embeddingCalls?.() ?? [];
    expect(call?.path).toBe("/v1beta/models/gemini-embedding-001:batchEmbedContents");
    expect(call?.headers["x-goog-api-key"]).toBe(apiKey);
    expect(call?.body).toEqual({
      requests: [
        {
          model: "models/gemini-embedding-001",
          content: { parts: [{ text: "hello world" }] },
          outputDimensionality: 16,
        },
        {
          model: "models/gemini-embedding-001",
          content: { parts: [{ text: "bye" }] },
          outputDimensionality: 16,
        },
      ],
    });
  });

  it("returns the vectors of a recorded-shape answer in order", async () => {
    fake.enqueueEmbeddings?.({ type: "json", body: googleFixture("google-batch-embed.json") });

    const result = await adapter.embed?.(embedding, { input: ["a", "b"] }, options());

    expect(result?.embeddings).toEqual([
      [0.0132, -0.0087, 0.0419, -0.0251],
      [-0.0044, 0.0198, 0.0073, 0.0316],
    ]);
    expect(fake.embeddingCalls?.()[0]?.body).not.toHaveProperty("requests.0.outputDimensionality");
  });

  it("rejects an answer with fewer vectors than inputs as invalid_response", async () => {
    fake.enqueueEmbeddings?.(googleEmbeddingsReply([[1, 0]]));

    await expect(adapter.embed?.(embedding, { input: ["a", "b"] }, options())).rejects.toMatchObject({
      kind: "invalid_response",
    });
  });

  it("maps an embeddings error envelope like a chat one", async () => {
    fake.enqueueEmbeddings?.(fake.replies.error(429, "Quota exceeded.", { retryAfterSeconds: 2 }));

    await expect(adapter.embed?.(embedding, { input: ["a"] }, options())).rejects.toMatchObject({
      kind: "rate_limited",
      retryAfterMs: 2000,
    });
  });
});

describe("google adapter: faults", () => {
  it.each([
    [400, "request", false],
    [401, "misconfigured", true],
    [403, "misconfigured", true],
    [404, "misconfigured", true],
    [500, "server", true],
    [503, "overloaded", true],
  ] as const)(
    "maps HTTP %i to kind %s (retryable: %s) for chat and stream",
    async (status, kind, isRetryable) => {
      fake.enqueueChat(fake.replies.error(status, "went wrong"), fake.replies.error(status, "went wrong"));

      const chatError = await adapter.chat(flash, hello, options()).catch((error) => error);
      const streamError = await adapter.streamChat(flash, hello, options()).catch((error) => error);

      for (const error of [chatError, streamError]) {
        expect(error).toMatchObject({ name: "UpstreamError", provider: "google", kind, status, isRetryable });
        expect(error.message).toMatch(new RegExp(`^google answered ${status}: [A-Z_]+: went wrong$`));
        expect(error.message).not.toContain(apiKey);
        expect(error.url).not.toContain(apiKey);
      }
    },
  );

  it("takes the retry delay from retry-after", async () => {
    fake.enqueueChat(fake.replies.error(429, "Quota exceeded.", { retryAfterSeconds: 7 }));

    await expect(adapter.chat(flash, hello, options())).rejects.toMatchObject({
      kind: "rate_limited",
      isRetryable: true,
      retryAfterMs: 7000,
      message: "google answered 429: RESOURCE_EXHAUSTED: Quota exceeded.",
    });
  });

  it("takes the retry delay from Gemini's RetryInfo when no header says it", async () => {
    fake.enqueueChat(
      { type: "json", status: 429, body: googleFixture("google-429-retry-info.json") },
      { type: "json", status: 429, body: googleFixture("google-429-retry-info.json") },
    );

    await expect(adapter.chat(flash, hello, options())).rejects.toMatchObject({ retryAfterMs: 34_400 });
    await expect(adapter.streamChat(flash, hello, options())).rejects.toMatchObject({ retryAfterMs: 34_400 });
  });

  it("maps a connection reset to kind connection", async () => {
    fake.enqueueChat({ type: "reset" }, { type: "reset" });

    await expect(adapter.chat(flash, hello, options())).rejects.toMatchObject({
      kind: "connection",
      isRetryable: true,
    });
    await expect(adapter.streamChat(flash, hello, options())).rejects.toMatchObject({ kind: "connection" });
  });

  it("times out when the first byte does not come in time", async () => {
    const impatient = createGoogleAdapter(settings({ firstByteMs: 150, answerMs: 150 }));
    fake.enqueueChat({ type: "hang" }, { type: "hang" });

    const [chatError, streamError] = await Promise.all([
      impatient.chat(flash, hello, options()).catch((error) => error),
      impatient.streamChat(flash, hello, options()).catch((error) => error),
    ]);

    expect(chatError).toMatchObject({ kind: "timeout", isRetryable: true });
    expect(streamError).toMatchObject({ kind: "timeout", isRetryable: true });
  });

  it("maps a body that is not JSON, or not Gemini's shape, to invalid_response", async () => {
    fake.enqueueChat(
      { type: "raw", body: "<html>Bad gateway</html>" },
      { type: "json", body: { candidates: "nope" } },
    );

    await expect(adapter.chat(flash, hello, options())).rejects.toMatchObject({ kind: "invalid_response" });
    await expect(adapter.chat(flash, hello, options())).rejects.toMatchObject({ kind: "invalid_response" });
  });

  it("throws kind stream when the stream ends cleanly without its final candidate", async () => {
    fake.enqueueChat(sse("google-text.chunks.txt", 2));
    const chunks: ChatCompletionChunk[] = [];

    const error = await (async () => {
      for await (const chunk of await adapter.streamChat(flash, hello, options())) chunks.push(chunk);
    })().catch((e) => e);

    expect(contentOf(chunks)).toBe("The capital of France is");
    expect(error).toMatchObject({ kind: "stream", isRetryable: true });
  });

  it("throws a retryable error when the socket is cut after N events", async () => {
    const controlled = new ControlledStream();
    fake.enqueueChat({ type: "controlled", stream: controlled });
    const [first, second] = googleChunkLines("google-text.chunks.txt");
    const chunks: ChatCompletionChunk[] = [];

    const stream = await adapter.streamChat(flash, hello, options());
    await controlled.opened();
    controlled.send({ data: first ?? "" });
    controlled.send({ data: second ?? "" });
    const error = await (async () => {
      for await (const chunk of stream) {
        chunks.push(chunk);
        if (contentOf(chunks) === "The capital of France is") controlled.cut();
      }
    })().catch((e) => e);

    expect(chunks.some((chunk) => chunk.choices[0]?.finish_reason)).toBe(false);
    // The socket dies mid-body: undici reports it, parseSse maps it.
    expect(error).toMatchObject({ name: "UpstreamError", kind: "connection", isRetryable: true });
  });

  it("throws a retryable error when the fake cuts its scripted stream (cutAfter)", async () => {
    fake.enqueueChat(fake.replies.stream(["a", "b", "c", "d"], { cutAfter: 2 }));

    const error = await (async () => {
      for await (const _chunk of await adapter.streamChat(flash, hello, options()));
    })().catch((e) => e);

    expect(error).toMatchObject({ kind: "connection", isRetryable: true });
  });

  it("throws an in-band stream error as overloaded after the delivered text", async () => {
    fake.enqueueChat(fake.replies.streamError(["Partial", " answer"]));
    const chunks: ChatCompletionChunk[] = [];

    const error = await (async () => {
      for await (const chunk of await adapter.streamChat(flash, hello, options())) chunks.push(chunk);
    })().catch((e) => e);

    expect(contentOf(chunks)).toBe("Partial answer");
    expect(error).toMatchObject({ kind: "overloaded", status: 503, isRetryable: true });
  });

  it("aborts the upstream request when the caller breaks out early", async () => {
    const pieces = Array.from({ length: 20 }, (_, index) => `piece ${index} `);
    fake.enqueueChat(fake.replies.stream(pieces, { chunkDelayMs: 50 }));

    for await (const chunk of await adapter.streamChat(flash, hello, options())) {
      if (chunk.choices[0]?.delta.content) break;
    }

    await expect.poll(() => fake.chatCalls()[0]?.clientClosedEarly, { timeout: 2000 }).toBe(true);
  });

  it("surfaces the caller's abort reason, not an upstream error", async () => {
    const controller = new AbortController();
    fake.enqueueChat(fake.replies.stream(["one", " two", " three"], { chunkDelayMs: 200 }));
    const reason = new Error("caller went away");

    const stream = await adapter.streamChat(flash, hello, { signal: controller.signal });
    const error = await (async () => {
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content) controller.abort(reason);
    })().catch((e) => e);

    expect(error).toBe(reason);
    await expect.poll(() => fake.chatCalls()[0]?.clientClosedEarly, { timeout: 2000 }).toBe(true);
  });

  it("refuses a request it cannot translate before calling Gemini", async () => {
    await expect(
      adapter.chat(
        flash,
        {
          messages: [
            { role: "user", content: [{ type: "image_url", image_url: { url: "file:///etc/passwd" } }] },
          ],
        },
        options(),
      ),
    ).rejects.toMatchObject({ kind: "request", isRetryable: false });
    expect(fake.chatCalls()).toHaveLength(0);
  });
});
