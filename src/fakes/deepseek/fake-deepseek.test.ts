import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FakeProvider } from "../fake-provider.js";
import { completionReply } from "../openai/openai-style-fake.js";
import { createFakeDeepSeek, deepSeekFlavor } from "./fake-deepseek.js";

/*
 * DeepSeek documents its API through the official `openai` SDK with
 * `baseURL: "https://api.deepseek.com"`; the same client against the fake
 * must accept its answers, streams and errors.
 */

const messages = [{ role: "user" as const, content: "Say hello" }];

/** DeepSeek's additions to OpenAI's shapes, which the SDK passes through untyped. */
interface DeepSeekUsage {
  prompt_cache_hit_tokens?: number;
  prompt_cache_miss_tokens?: number;
}
interface DeepSeekDelta {
  reasoning_content?: string | null;
}

let fake: FakeProvider;
let client: OpenAI;

beforeAll(async () => {
  fake = await createFakeDeepSeek();
  client = new OpenAI({ apiKey: "sk-test", baseURL: fake.baseUrl, maxRetries: 0 });
});
afterEach(() => fake.server.reset());
afterAll(() => fake.close());

describe("fake DeepSeek with the official SDK", () => {
  it("answers deepseek-reasoner with reasoning_content and cache hit/miss usage", async () => {
    const completion = await client.chat.completions.create({ model: "deepseek-reasoner", messages });
    expect(completion.id).toMatch(/^[0-9a-f-]{36}$/);
    const message = completion.choices[0]?.message as OpenAI.ChatCompletionMessage & {
      reasoning_content?: string;
    };
    expect(message.content).toBe("Hello from fake deepseek-reasoner");
    expect(message.reasoning_content).toBe("The user greets deepseek-reasoner. A short greeting answers it.");
    const usage = completion.usage as OpenAI.CompletionUsage & DeepSeekUsage;
    expect(usage.prompt_cache_hit_tokens).toBe(0);
    expect(usage.prompt_cache_miss_tokens).toBe(usage.prompt_tokens);
    expect(usage.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
    expect(fake.chatCalls()[0]?.path).toBe("/chat/completions");
  });

  it("reports cache hits so that hit + miss = prompt_tokens", async () => {
    fake.enqueueChat(
      fake.replies.text("cached", { inputTokens: 100, outputTokens: 2, cachedInputTokens: 64 }),
    );
    const completion = await client.chat.completions.create({ model: "deepseek-chat", messages });
    const usage = completion.usage as OpenAI.CompletionUsage & DeepSeekUsage;
    expect(usage).toMatchObject({
      prompt_tokens: 100,
      prompt_cache_hit_tokens: 64,
      prompt_cache_miss_tokens: 36,
    });
  });

  it("streams reasoning deltas, then content, with usage on the finish chunk and [DONE]", async () => {
    const stream = await client.chat.completions.create({
      model: "deepseek-reasoner",
      messages,
      stream: true,
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const reasoning = chunks
      .map((chunk) => (chunk.choices[0]?.delta as DeepSeekDelta | undefined)?.reasoning_content ?? "")
      .join("");
    expect(reasoning).toBe("The user greets deepseek-reasoner. A short greeting answers it.");
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe(
      "Hello from fake deepseek-reasoner",
    );
    const last = chunks.at(-1);
    expect(last?.choices[0]?.finish_reason).toBe("stop");
    expect(
      (last?.usage as (OpenAI.CompletionUsage & DeepSeekUsage) | undefined)?.prompt_cache_miss_tokens,
    ).toBe(last?.usage?.prompt_tokens);
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it("returns tool calls the SDK parses, also under /v1", async () => {
    const v1 = new OpenAI({ apiKey: "sk-test", baseURL: `${fake.baseUrl}/v1`, maxRetries: 0 });
    fake.enqueueChat(
      completionReply(deepSeekFlavor, {
        content: "",
        toolCalls: [
          { id: "call_0_5e3f", name: "get_weather", argumentsJson: '{"city":"Hangzhou"}' },
          { id: "call_1_9a2b", name: "get_weather", argumentsJson: '{"city":"Beijing"}' },
        ],
      }),
    );
    const completion = await v1.chat.completions.create({ model: "deepseek-chat", messages });
    expect(fake.chatCalls()[0]?.path).toBe("/v1/chat/completions");
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    expect(
      completion.choices[0]?.message.tool_calls?.map((call) =>
        call.type === "function" ? JSON.parse(call.function.arguments).city : undefined,
      ),
    ).toEqual(["Hangzhou", "Beijing"]);
  });

  it("streams a scripted non-streamed answer when the call streams: reasoning, content and usage on the finish chunk", async () => {
    const reply = completionReply(deepSeekFlavor, {
      reasoning: "Two and two make four.",
      content: "Four.",
      usage: { inputTokens: 90, outputTokens: 14, cachedInputTokens: 64, reasoningTokens: 9 },
      model: "deepseek-reasoner",
    });
    fake.enqueueChat(reply, reply);
    const whole = await client.chat.completions.create({ model: "deepseek-reasoner", messages });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of await client.chat.completions.create({
      model: "deepseek-reasoner",
      messages,
      stream: true,
    }))
      chunks.push(chunk);
    const message = whole.choices[0]?.message as OpenAI.ChatCompletionMessage & DeepSeekDelta;
    const reasoning = chunks
      .map((chunk) => (chunk.choices[0]?.delta as DeepSeekDelta | undefined)?.reasoning_content ?? "")
      .join("");
    expect(reasoning).toBe(message.reasoning_content);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe(message.content);
    expect(chunks.every((chunk) => chunk.id === whole.id && chunk.model === "deepseek-reasoner")).toBe(true);
    const last = chunks.at(-1);
    expect(last?.choices[0]?.finish_reason).toBe("stop");
    expect(last?.usage).toEqual(whole.usage);
    expect(
      (last?.usage as (OpenAI.CompletionUsage & DeepSeekUsage) | undefined)?.prompt_cache_hit_tokens,
    ).toBe(64);
  });

  it.each([
    [401, OpenAI.AuthenticationError, "authentication_error"],
    [429, OpenAI.RateLimitError, "rate_limit_error"],
    [503, OpenAI.InternalServerError, "api_error"],
    [400, OpenAI.BadRequestError, "invalid_request_error"],
  ] as const)("surfaces %i as the SDK's own error class", async (status, ErrorClass, type) => {
    fake.enqueueChat(fake.replies.error(status, `failure ${status}`, { retryAfterSeconds: 1 }));
    const error = await client.chat.completions
      .create({ model: "deepseek-chat", messages })
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toMatchObject({ status, type, message: `${status} failure ${status}` });
    expect(error.headers.get("retry-after")).toBe("1");
  });

  it("throws an in-band stream error from the SDK's iterator", async () => {
    fake.enqueueChat(fake.replies.streamError(["Partial"]));
    const stream = await client.chat.completions.create({ model: "deepseek-chat", messages, stream: true });
    const error = await (async () => {
      for await (const _chunk of stream) {
        // reading until the error frame
      }
    })().catch((caught) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
  });

  it("has no embeddings route, as DeepSeek has no embeddings API", async () => {
    expect(fake.enqueueEmbeddings).toBeUndefined();
    const error = await client.embeddings
      .create({ model: "deepseek-chat", input: "a" })
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
  });
});
