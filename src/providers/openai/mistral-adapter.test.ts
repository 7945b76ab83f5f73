import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FakeProvider } from "../../fakes/fake-provider.js";
import { createFakeMistral, mistralCompletionReply } from "../../fakes/mistral/fake-mistral.js";
import {
  collectChunks,
  streamedText,
  testModel,
  testSettings,
  upstreamFailure,
} from "./__fixtures__/openai-fixtures.js";
import { createMistralAdapter } from "./mistral-adapter.js";
import { toMistralToolCallId } from "./mistral-tool-call-id.js";

const model = testModel({
  name: "mistral-small",
  provider: "mistral",
  providerModelId: "mistral-small-latest",
});
const hello = { messages: [{ role: "user" as const, content: "Say hello" }] };
const signal = () => ({ signal: new AbortController().signal });

let fake: FakeProvider;
const adapter = () =>
  createMistralAdapter(
    testSettings(fake.baseUrl, { name: "mistral", kind: "mistral", apiKey: "mistral-test-key" }),
  );

beforeAll(async () => {
  fake = await createFakeMistral();
});
afterEach(() => fake.server.reset());
afterAll(() => fake.close());

describe("mistral adapter", () => {
  it("answers a chat at {baseUrl}/chat/completions with the bearer key", async () => {
    const completion = await adapter().chat(model, hello, signal());
    expect(completion.choices[0]?.message.content).toBe("Hello from fake mistral-small-latest");
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
    const [call] = fake.chatCalls();
    expect(call?.path).toBe("/v1/chat/completions");
    expect(call?.headers.authorization).toBe("Bearer mistral-test-key");
  });

  it("streams without stream_options and books the usage of the last chunk", async () => {
    const chunks = await collectChunks(await adapter().streamChat(model, hello, signal()));
    expect(streamedText(chunks)).toBe("Hello from fake mistral-small-latest");
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
    expect(chunks.some((chunk) => chunk.choices[0]?.finish_reason === "stop")).toBe(true);
    const body = fake.chatCalls()[0]?.body as Record<string, unknown>;
    expect(body.stream).toBe(true);
    expect(body).not.toHaveProperty("stream_options");
  });

  it("sends seed as random_seed, leaves user and speaker names out", async () => {
    const request = {
      messages: [
        { role: "developer" as const, content: "Be brief." },
        { role: "user" as const, content: "Hi", name: "alice" },
      ],
      seed: 7,
      user: "end-user-1",
    };
    await adapter().chat(model, request, signal());
    const body = fake.chatCalls()[0]?.body as Record<string, unknown>;
    expect(body).toMatchObject({
      random_seed: 7,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
    });
    expect(body).not.toHaveProperty("seed");
    expect(body).not.toHaveProperty("user");
    expect(JSON.stringify(body.messages)).not.toContain("alice");
  });

  it("maps other providers' tool call ids to nine characters, the same on the call and its result", async () => {
    const toolCallId = "toolu_01A09q90qw90lq917835lq9";
    const request = {
      messages: [
        { role: "user" as const, content: "Weather in Paris?" },
        {
          role: "assistant" as const,
          content: null,
          tool_calls: [
            {
              id: toolCallId,
              type: "function" as const,
              function: { name: "get_weather", arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: "tool" as const, tool_call_id: toolCallId, content: "18 °C", name: "get_weather" },
      ],
    };
    await adapter().chat(model, request, signal());
    const sent = fake.chatCalls()[0]?.body as { messages: Array<Record<string, unknown>> } | undefined;
    const messages = sent?.messages ?? [];
    const mapped = toMistralToolCallId(toolCallId);
    expect(mapped).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(messages[1]).toMatchObject({ tool_calls: [{ id: mapped }] });
    expect(messages[2]).toMatchObject({ tool_call_id: mapped, name: "get_weather" });
    expect(toMistralToolCallId("D681PevKs")).toBe("D681PevKs");
  });

  it("reads a tool call, streamed whole as Mistral streams it", async () => {
    fake.enqueueChat(fake.replies.toolCall("get_weather", '{"city":"Paris"}'));
    const chunks = await collectChunks(await adapter().streamChat(model, hello, signal()));
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([
      {
        index: 0,
        id: "D681PevKs",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Paris"}' },
      },
    ]);
    expect(chunks.some((chunk) => chunk.choices[0]?.finish_reason === "tool_calls")).toBe(true);
  });

  it("reads Magistral's thinking chunks as reasoning and object arguments as JSON text", async () => {
    const reply = mistralCompletionReply({ content: "" });
    const body = reply.body as { choices: Array<{ message: Record<string, unknown> }> };
    const message = body.choices[0]?.message as Record<string, unknown>;
    message.content = [
      { type: "thinking", thinking: [{ type: "text", text: "They greet me." }] },
      { type: "text", text: "Hello!" },
    ];
    message.tool_calls = [{ id: "abcDEF123", function: { name: "noop", arguments: { a: 1 } } }];
    fake.enqueueChat({ type: "json", body });
    const completion = await adapter().chat(model, hello, signal());
    expect(completion.choices[0]?.message).toMatchObject({
      content: "Hello!",
      reasoning_content: "They greet me.",
      tool_calls: [{ id: "abcDEF123", function: { name: "noop", arguments: '{"a":1}' } }],
    });
  });

  it("reads the 422 validation detail, and a 401, without echoing the key", async () => {
    fake.enqueueChat({
      type: "json",
      status: 422,
      body: {
        object: "error",
        message: {
          detail: [
            {
              type: "extra_forbidden",
              loc: ["body", "messages", 0, "user", "name"],
              msg: "Extra inputs are not permitted",
              input: "x",
            },
          ],
        },
        type: "invalid_request_error",
        param: null,
        code: null,
      },
    });
    const invalid = await upstreamFailure(() => adapter().chat(model, hello, signal()));
    expect(invalid).toMatchObject({ kind: "request", isRetryable: false, status: 422 });
    expect(invalid.message).toBe(
      "mistral answered 422: messages.0.user.name: Extra inputs are not permitted (invalid_request_error)",
    );

    fake.enqueueChat(fake.replies.error(401, "ignored"));
    const unauthorized = await upstreamFailure(() => adapter().chat(model, hello, signal()));
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.message).toBe("mistral answered 401: Unauthorized");
  });

  it("turns a 429 into a retryable error with Mistral's message", async () => {
    fake.enqueueChat(fake.replies.error(429, "Requests rate limit exceeded", { retryAfterSeconds: 2 }));
    const error = await upstreamFailure(() => adapter().chat(model, hello, signal()));
    expect(error).toMatchObject({ kind: "rate_limited", isRetryable: true, retryAfterMs: 2000 });
    expect(error.message).toBe("mistral answered 429: Requests rate limit exceeded (rate_limit_error)");
  });

  it("turns a stream that ends with finish_reason error into a retryable stream failure", async () => {
    fake.enqueueChat(fake.replies.streamError(["Hel", "lo"]));
    const stream = await adapter().streamChat(model, hello, signal());
    const error = await upstreamFailure(() => collectChunks(stream));
    expect(error).toMatchObject({ kind: "server", isRetryable: true });
  });

  it("embeds with mistral-embed, output_dimension for a size, no user", async () => {
    const embedModel = testModel({
      kind: "embedding",
      provider: "mistral",
      providerModelId: "mistral-embed",
    });
    const result = await adapter().embed?.(embedModel, { input: ["a", "b"], user: "u" }, signal());
    expect(result?.embeddings).toHaveLength(2);
    expect(result?.embeddings[0]).toHaveLength(1024);
    await adapter().embed?.(embedModel, { input: ["a"], dimensions: 256 }, signal());
    const [first, second] = fake.embeddingCalls?.() ?? [];
    expect(first?.body).toEqual({ model: "mistral-embed", input: ["a", "b"] });
    expect(second?.body).toEqual({ model: "mistral-embed", input: ["a"], output_dimension: 256 });
  });
});

describe("fake mistral", () => {
  it("refuses what Mistral refuses: OpenAI's extra fields, bad tool call ids, no key", async () => {
    const post = (body: unknown, headers: Record<string, string> = { authorization: "Bearer k" }) =>
      fetch(`${fake.baseUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      });
    const messages = [{ role: "user", content: "hi" }];
    const extra = await post({ model: "m", messages, stream: true, stream_options: { include_usage: true } });
    expect(extra.status).toBe(422);
    expect(JSON.stringify(await extra.json())).toContain('"loc":["body","stream_options"]');
    const badId = await post({
      model: "m",
      messages: [...messages, { role: "tool", tool_call_id: "call_123", content: "x" }],
    });
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as { message: string }).message).toBe(
      "Tool call id was call_123 but must be a-z, A-Z, 0-9, with a length of 9.",
    );
    expect((await post({ model: "m", messages }, {})).status).toBe(401);
    expect((await post({ model: "m", messages, tool_choice: "required" })).status).toBe(200);
  });
});
