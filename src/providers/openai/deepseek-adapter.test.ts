import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ProviderAdapter } from "../../core/provider-adapter.js";
import { createFakeDeepSeek } from "../../fakes/deepseek/fake-deepseek.js";
import type { FakeProvider } from "../../fakes/fake-provider.js";
import {
  collectChunks,
  openAiFixture,
  openAiFixtureEvents,
  openAiFixtureReply,
  streamedText,
  testModel,
  testSettings,
  upstreamFailure,
} from "./__fixtures__/openai-fixtures.js";
import { convertDeepSeekUsage, createDeepSeekAdapter } from "./deepseek-adapter.js";

const chatModel = testModel({
  name: "deepseek-coder",
  provider: "deepseek",
  providerModelId: "deepseek-chat",
});
const reasonerModel = testModel({
  name: "deepseek-reasoner",
  provider: "deepseek",
  providerModelId: "deepseek-reasoner",
});
const hello = { messages: [{ role: "user" as const, content: "Say hello" }] };
const signal = () => ({ signal: new AbortController().signal });

let fake: FakeProvider;
let adapter: ProviderAdapter;

beforeAll(async () => {
  fake = await createFakeDeepSeek();
  adapter = createDeepSeekAdapter(testSettings(fake.baseUrl, { name: "deepseek", kind: "deepseek" }));
});
afterEach(() => fake.server.reset());
afterAll(() => fake.close());

describe("convertDeepSeekUsage", () => {
  it("books prompt_cache_hit_tokens as cached tokens", () => {
    expect(
      convertDeepSeekUsage({
        prompt_tokens: 97,
        completion_tokens: 5,
        prompt_cache_hit_tokens: 64,
        prompt_cache_miss_tokens: 33,
      }),
    ).toEqual({
      prompt_tokens: 97,
      completion_tokens: 5,
      total_tokens: 102,
      prompt_tokens_details: { cached_tokens: 64 },
    });
  });

  it("falls back to OpenAI's field when DeepSeek's are missing", () => {
    expect(
      convertDeepSeekUsage({
        prompt_tokens: 10,
        completion_tokens: 1,
        prompt_tokens_details: { cached_tokens: 4 },
      }).prompt_tokens_details,
    ).toEqual({ cached_tokens: 4 });
  });
});

describe("DeepSeek adapter", () => {
  it("posts to {baseUrl}/chat/completions and sends developer messages as system", async () => {
    const completion = await adapter.chat(
      chatModel,
      { messages: [{ role: "developer", content: "Be brief." }, ...hello.messages] },
      signal(),
    );
    expect(completion.choices[0]?.message.content).toBe("Hello from fake deepseek-chat");
    const [call] = fake.chatCalls();
    expect(call?.path).toBe("/chat/completions");
    expect(call?.headers.authorization).toBe("Bearer sk-test-0123456789abcdef");
    expect(call?.body).toMatchObject({
      messages: [{ role: "system", content: "Be brief." }, hello.messages[0]],
    });
  });

  it("returns reasoning_content and cache-hit usage", async () => {
    fake.enqueueChat(
      fake.replies.text("Cached answer", { inputTokens: 100, outputTokens: 5, cachedInputTokens: 64 }),
    );
    const cached = await adapter.chat(chatModel, hello, signal());
    expect(cached.usage).toEqual({
      prompt_tokens: 100,
      completion_tokens: 5,
      total_tokens: 105,
      prompt_tokens_details: { cached_tokens: 64 },
    });
    const reasoned = await adapter.chat(reasonerModel, hello, signal());
    expect(reasoned.choices[0]?.message.reasoning_content).toContain("A short greeting answers it.");
    expect(reasoned.choices[0]?.message.content).toBe("Hello from fake deepseek-reasoner");
    expect(reasoned.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
  });

  it("streams reasoning, then content, then usage from the finish chunk", async () => {
    const chunks = await collectChunks(await adapter.streamChat(reasonerModel, hello, signal()));
    const reasoning = chunks.map((chunk) => chunk.choices[0]?.delta.reasoning_content ?? "").join("");
    expect(reasoning).toBe("The user greets deepseek-reasoner. A short greeting answers it.");
    expect(streamedText(chunks)).toBe("Hello from fake deepseek-reasoner");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.prompt_tokens_details).toEqual({ cached_tokens: 0 });
  });

  it("streams a recorded reasoner answer with cache hits", async () => {
    fake.enqueueChat(openAiFixtureReply("deepseek-reasoning.chunks.txt"));
    const chunks = await collectChunks(await adapter.streamChat(reasonerModel, hello, signal()));
    expect(streamedText(chunks)).toBe("There are 3.");
    expect(chunks.at(-1)?.usage).toMatchObject({
      prompt_tokens: 97,
      prompt_tokens_details: { cached_tokens: 64 },
    });
  });

  it("skips the keep-alive comments DeepSeek sends while a request waits", async () => {
    const framed = openAiFixtureEvents("deepseek-reasoning.chunks.txt")
      .map((event) => `: keep-alive\n\ndata: ${event.data}\n\n`)
      .join("");
    fake.enqueueChat({ type: "raw", headers: { "content-type": "text/event-stream" }, body: framed });
    const chunks = await collectChunks(await adapter.streamChat(reasonerModel, hello, signal()));
    expect(streamedText(chunks)).toBe("There are 3.");
  });

  it("reads a non-streamed body after the blank lines DeepSeek sends under load", async () => {
    const body = `\n\n\n${JSON.stringify(openAiFixture("deepseek-insufficient-resource.json"))}`;
    fake.enqueueChat({ type: "raw", headers: { "content-type": "application/json" }, body });
    const completion = await adapter.chat(chatModel, hello, signal());
    expect(completion.choices[0]?.message.content).toBe("The first part of");
    expect(completion.choices[0]?.finish_reason).toBe("length");
  });

  it("maps DeepSeek's error envelope and statuses", async () => {
    fake.enqueueChat(
      { type: "json", status: 401, body: openAiFixture("deepseek-error-401.json") },
      fake.replies.error(503, "Server overloaded, please try again later."),
      fake.replies.error(402, "Insufficient Balance"),
    );
    const unauthorized = await upstreamFailure(() => adapter.chat(chatModel, hello, signal()));
    expect(unauthorized).toMatchObject({ kind: "misconfigured", status: 401, provider: "deepseek" });
    expect(unauthorized.message).toBe(
      "deepseek answered 401: Authentication Fails, Your api key: ****cd15 is invalid (invalid_request_error)",
    );
    const overloaded = await upstreamFailure(() => adapter.chat(chatModel, hello, signal()));
    expect(overloaded).toMatchObject({ kind: "overloaded", isRetryable: true });
    const unpaid = await upstreamFailure(() => adapter.chat(chatModel, hello, signal()));
    // Out of credit is this deployment's problem, not the request's: fail over to the next model.
    expect(unpaid).toMatchObject({ kind: "misconfigured", status: 402, isRetryable: true });
  });

  it("has no embeddings, as DeepSeek has no embeddings API", () => {
    expect(adapter.embed).toBeUndefined();
  });
});
