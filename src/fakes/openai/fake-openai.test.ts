import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fakeEmbeddingVector } from "../fake-embedding-vector.js";
import type { FakeProvider } from "../fake-provider.js";
import type { FakeResponse } from "../fake-upstream-server.js";
import { createFakeOpenAi, openAiFlavor } from "./fake-openai.js";
import { completionReply, streamReply } from "./openai-style-fake.js";

/*
 * The official `openai` SDK against the fake: what it accepts here is what
 * makes the fake a trustworthy stand-in for OpenAI in every other test.
 */

const messages = [{ role: "user" as const, content: "Say hello" }];

let fake: FakeProvider;
let client: OpenAI;

beforeAll(async () => {
  fake = await createFakeOpenAi();
  client = new OpenAI({ apiKey: "sk-test", baseURL: fake.baseUrl, maxRetries: 0 });
});
afterEach(() => fake.server.reset());
afterAll(() => fake.close());

describe("fake OpenAI with the official SDK: chat", () => {
  it("answers chat.completions.create with the requested model and usage", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "gpt-4.1", messages })
      .withResponse();
    expect(data.object).toBe("chat.completion");
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(data.model).toBe("gpt-4.1");
    expect(data.choices[0]?.message).toMatchObject({ role: "assistant", content: "Hello from fake gpt-4.1" });
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 6, total_tokens: 9 });
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
    expect(fake.chatCalls()[0]?.headers.authorization).toBe("Bearer sk-test");
  });

  it("streams with for await and ends with the usage chunk when include_usage is asked", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4.1",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta).toMatchObject({ role: "assistant", content: "" });
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe(
      "Hello from fake gpt-4.1",
    );
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 6 });
  });

  it("streams no usage unless asked, as OpenAI does", async () => {
    const stream = await client.chat.completions.create({ model: "gpt-4.1", messages, stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("returns a scripted tool call the SDK parses", async () => {
    fake.enqueueChat(fake.replies.toolCall("get_weather", '{"city":"Paris"}'));
    const completion = await client.chat.completions.create({ model: "gpt-4.1", messages });
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type).toBe("function");
    if (call?.type !== "function") throw new Error("expected a function call");
    expect(JSON.parse(call.function.arguments)).toEqual({ city: "Paris" });
  });

  it("streams parallel tool calls the SDK's stream helper assembles", async () => {
    fake.enqueueChat(
      streamReply(openAiFlavor, {
        pieces: [],
        toolCalls: [
          { id: "call_a", name: "get_weather", argumentsJson: "", argumentPieces: ['{"city"', ':"Paris"}'] },
          { id: "call_b", name: "get_time", argumentsJson: "", argumentPieces: ['{"zone":"CET"}'] },
        ],
        usage: { inputTokens: 40, outputTokens: 20 },
      }),
    );
    const stream = client.chat.completions.stream({
      model: "gpt-4.1",
      messages,
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.finish_reason).toBe("tool_calls");
    expect(
      final.choices[0]?.message.tool_calls?.map((call) =>
        call.type === "function" ? [call.id, call.function.name, JSON.parse(call.function.arguments)] : [],
      ),
    ).toEqual([
      ["call_a", "get_weather", { city: "Paris" }],
      ["call_b", "get_time", { zone: "CET" }],
    ]);
    expect(final.usage?.total_tokens).toBe(60);
  });

  it("sends the request as the SDK built it to the recorded call", async () => {
    await client.chat.completions.create({ model: "o4-mini", messages, max_completion_tokens: 50 });
    expect(fake.chatCalls()[0]?.body).toEqual({ model: "o4-mini", messages, max_completion_tokens: 50 });
  });
});

describe("fake OpenAI with the official SDK: a scripted answer to a call that streams", () => {
  /** The same scripted reply to a plain call and to a streamed one, both as the SDK reads them. */
  async function bothWays(reply: FakeResponse) {
    fake.enqueueChat(reply, reply);
    const whole = await client.chat.completions.create({ model: "gpt-4.1", messages });
    const streamed = await client.chat.completions
      .stream({ model: "gpt-4.1", messages, stream_options: { include_usage: true } })
      .finalChatCompletion();
    expect(fake.chatCalls()[1]?.body).toMatchObject({ stream: true });
    return { whole, streamed };
  }

  function sameAnswer(whole: OpenAI.ChatCompletion, streamed: OpenAI.ChatCompletion): void {
    expect(streamed).toMatchObject({ id: whole.id, model: whole.model, created: whole.created });
    expect(streamed.choices[0]?.message.content).toEqual(whole.choices[0]?.message.content);
    expect(streamed.choices[0]?.message.tool_calls).toEqual(whole.choices[0]?.message.tool_calls);
    expect(streamed.choices[0]?.finish_reason).toBe(whole.choices[0]?.finish_reason);
    expect(streamed.usage).toEqual(whole.usage);
  }

  it("streams replies.text with its content, finish reason and usage, cached and reasoning tokens included", async () => {
    const { whole, streamed } = await bothWays(
      completionReply(openAiFlavor, {
        content: "The answer is forty-two.",
        usage: { inputTokens: 120, outputTokens: 30, cachedInputTokens: 64, reasoningTokens: 12 },
      }),
    );
    sameAnswer(whole, streamed);
    expect(streamed.choices[0]?.message.content).toBe("The answer is forty-two.");
    expect(streamed.usage).toMatchObject({
      prompt_tokens_details: { cached_tokens: 64 },
      completion_tokens_details: { reasoning_tokens: 12 },
    });
  });

  it("streams replies.toolCall and several tool calls with their ids, arguments and finish reason", async () => {
    const single = await bothWays(fake.replies.toolCall("get_weather", '{"city":"Paris"}'));
    sameAnswer(single.whole, single.streamed);
    expect(single.streamed.choices[0]?.message.content).toBeNull();
    expect(single.streamed.choices[0]?.finish_reason).toBe("tool_calls");

    const several = await bothWays(
      completionReply(openAiFlavor, {
        content: "Checking both.",
        toolCalls: [
          { id: "call_a", name: "get_weather", argumentsJson: '{"city":"Paris"}' },
          { id: "call_b", name: "get_time", argumentsJson: '{"zone":"CET"}' },
        ],
        finishReason: "tool_calls",
      }),
    );
    sameAnswer(several.whole, several.streamed);
    expect(several.streamed.choices[0]?.message.tool_calls).toHaveLength(2);
  });

  it("streams a length-cut answer with its finish reason, and usage only when include_usage asks", async () => {
    const reply = completionReply(openAiFlavor, { content: "Cut sh", finishReason: "length" });
    const { whole, streamed } = await bothWays(reply);
    sameAnswer(whole, streamed);
    fake.enqueueChat(reply);
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of await client.chat.completions.create({
      model: "gpt-4.1",
      messages,
      stream: true,
    }))
      chunks.push(chunk);
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("length");
  });

  it("answers an error or a body that is no completion as it is, stream or not", async () => {
    fake.enqueueChat(fake.replies.error(503, "overloaded"));
    const error = await client.chat.completions
      .create({ model: "gpt-4.1", messages, stream: true })
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);

    fake.enqueueChat({ type: "json", body: { hello: "world" } });
    const response = await fetch(`${fake.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4.1", messages, stream: true }),
    });
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ hello: "world" });
  });
});

describe("fake OpenAI with the official SDK: embeddings", () => {
  it("answers the SDK's default base64 request with vectors it decodes", async () => {
    const response = await client.embeddings.create({
      model: "text-embedding-3-large",
      input: ["alpha", "beta"],
    });
    expect(fake.embeddingCalls?.()[0]?.body).toMatchObject({ encoding_format: "base64" });
    expect(response.data).toHaveLength(2);
    const [first] = response.data;
    expect(first?.embedding).toHaveLength(3072);
    const expected = fakeEmbeddingVector("alpha", 3072);
    // Base64 carries float32, so values match to float32 precision.
    const decoded = first?.embedding ?? [];
    expect(Math.max(...decoded.map((value, index) => Math.abs(value - (expected[index] ?? 0))))).toBeLessThan(
      1e-6,
    );
    expect(response.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
  });

  it("answers float requests with dimensions as asked", async () => {
    const response = await client.embeddings.create({
      model: "text-embedding-3-small",
      input: "alpha",
      dimensions: 64,
      encoding_format: "float",
    });
    expect(response.data[0]?.embedding).toEqual(fakeEmbeddingVector("alpha", 64));
    expect(response.model).toBe("text-embedding-3-small");
  });
});

describe("fake OpenAI with the official SDK: errors", () => {
  it.each([
    [429, OpenAI.RateLimitError, "rate_limit_exceeded"],
    [500, OpenAI.InternalServerError, null],
    [503, OpenAI.InternalServerError, null],
    [400, OpenAI.BadRequestError, null],
    [401, OpenAI.AuthenticationError, "invalid_api_key"],
    [404, OpenAI.NotFoundError, "model_not_found"],
  ] as const)("surfaces %i as the SDK's own error class", async (status, ErrorClass, code) => {
    fake.enqueueChat(fake.replies.error(status, `failure ${status}`, { retryAfterSeconds: 3 }));
    const error = await client.chat.completions
      .create({ model: "gpt-4.1", messages })
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toMatchObject({ status, code, message: `${status} failure ${status}` });
    expect(error.headers.get("retry-after")).toBe("3");
    expect(error.requestID).toMatch(/^req_/);
  });

  it("surfaces an error before streaming as the SDK's error class", async () => {
    fake.enqueueChat(fake.replies.error(429, "Rate limit reached"));
    const error = await client.chat.completions
      .create({ model: "gpt-4.1", messages, stream: true })
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it("throws the in-band stream error from the SDK's iterator after the text before it", async () => {
    fake.enqueueChat(fake.replies.streamError(["Once", " upon"]));
    const stream = await client.chat.completions.create({ model: "gpt-4.1", messages, stream: true });
    let text = "";
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((caught) => caught);
    expect(text).toBe("Once upon");
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ type: "server_error" });
    expect(error.message).toContain("The server had an error while processing your request");
  });

  it("rejects a chat request without messages as OpenAI does", async () => {
    const error = await client.chat.completions
      .create({ model: "gpt-4.1", messages: [] })
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it("surfaces an embeddings error as the SDK's error class", async () => {
    fake.enqueueEmbeddings?.(fake.replies.error(401, "Incorrect API key provided"));
    const error = await client.embeddings
      .create({ model: "text-embedding-3-small", input: "a" })
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
