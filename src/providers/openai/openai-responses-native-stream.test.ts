import type { EventSourceMessage } from "eventsource-parser";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { NativeRequest, NativeStreamPart } from "../../core/provider-adapter.js";
import { UpstreamError } from "../../core/upstream-error.js";
import type { FakeProvider } from "../../fakes/fake-provider.js";
import { createFakeOpenAi } from "../../fakes/openai/fake-openai.js";
import {
  type FakeResponsesAnswer,
  openAiResponsesPath,
  openAiResponsesReplies,
} from "../../fakes/openai/fake-openai-responses.js";
import { testModel, testSettings } from "./__fixtures__/openai-fixtures.js";
import { createOpenAiAdapter } from "./openai-adapter.js";
import { pairOpenAiResponsesStream } from "./openai-responses-native-stream.js";

const source = { provider: "openai", url: "http://127.0.0.1/v1/responses", model: "gpt-4.1" };

async function* events(...payloads: Array<Record<string, unknown>>): AsyncGenerator<EventSourceMessage> {
  for (const payload of payloads) {
    yield { event: String(payload.type), data: JSON.stringify(payload), id: undefined };
  }
}

async function collect(stream: AsyncIterable<NativeStreamPart>): Promise<NativeStreamPart[]> {
  const parts: NativeStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

const completed = {
  type: "response.completed",
  response: {
    status: "completed",
    usage: {
      input_tokens: 40,
      input_tokens_details: { cached_tokens: 10 },
      output_tokens: 7,
      output_tokens_details: { reasoning_tokens: 2 },
      total_tokens: 47,
    },
  },
};

describe("pairOpenAiResponsesStream", () => {
  it("passes every event on as read, reads function calls and usage, and marks where output starts", async () => {
    const parts = await collect(
      pairOpenAiResponsesStream(
        events(
          { type: "response.created", response: {} },
          {
            type: "response.output_item.added",
            output_index: 0,
            item: { type: "function_call", call_id: "call_1", name: "exec_command" },
          },
          { type: "response.function_call_arguments.delta", output_index: 0, delta: '{"cmd":' },
          { type: "response.function_call_arguments.delta", output_index: 0, delta: '"ls"}' },
          completed,
        ),
        source,
      ),
    );
    expect(parts.map((part) => part.carriesContent)).toEqual([false, true, true, true, false]);
    expect(parts.map((part) => JSON.parse(part.events[0]?.data ?? "{}").type)).toEqual([
      "response.created",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.completed",
    ]);
    expect(parts[1]?.chunk?.choices[0]?.delta.tool_calls).toEqual([
      { index: 0, id: "call_1", type: "function", function: { name: "exec_command", arguments: "" } },
    ]);
    const last = parts.at(-1)?.chunk;
    expect(last?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(last?.usage).toEqual({
      prompt_tokens: 40,
      completion_tokens: 7,
      total_tokens: 47,
      prompt_tokens_details: { cached_tokens: 10 },
      completion_tokens_details: { reasoning_tokens: 2 },
    });
  });

  it("throws a retryable error on response.failed (so before any output the router fails over)", async () => {
    const failing = pairOpenAiResponsesStream(
      events(
        { type: "response.created", response: {} },
        {
          type: "response.failed",
          response: { status: "failed", error: { code: "server_error", message: "boom" } },
        },
      ),
      source,
    );
    const error = await collect(failing).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ kind: "server", isRetryable: true });
  });

  it("throws on an `error` event, classified by its code, and on a stream cut before response.completed", async () => {
    const rateLimited = await collect(
      pairOpenAiResponsesStream(
        events({ type: "error", code: "rate_limit_exceeded", message: "slow" }),
        source,
      ),
    ).catch((caught: unknown) => caught);
    expect(rateLimited).toMatchObject({ kind: "rate_limited" });
    const cut = await collect(
      pairOpenAiResponsesStream(
        events({ type: "response.output_text.delta", output_index: 0, delta: "Hi" }),
        source,
      ),
    ).catch((caught: unknown) => caught);
    expect(cut).toMatchObject({ kind: "stream" });
  });
});

describe("the OpenAI adapter's native stream, asked for the body: the same reply streamed and not", () => {
  const native: NativeRequest = { protocol: "openai-responses", body: { input: "Hi" }, headers: {} };
  const signal = () => new AbortController().signal;
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await createFakeOpenAi();
  });
  afterEach(() => fake.server.reset());
  afterAll(() => fake.close());
  const adapter = () =>
    createOpenAiAdapter(testSettings(fake.baseUrl, { apiKey: "sk-test-0123456789abcdef" }));

  const answers: Record<string, FakeResponsesAnswer> = {
    "reasoning, text and a function call": {
      reasoning: { summary: "Look first", encryptedContent: "gAAAAB-opaque" },
      text: "Listing the folder.",
      functionCall: { name: "exec_command", argumentsJson: '{"cmd":"ls"}', callId: "call_7" },
      usage: { inputTokens: 40, outputTokens: 9, cachedInputTokens: 8, reasoningTokens: 3 },
    },
    "text cut at max_output_tokens": { text: "A long story", incomplete: true },
  };

  for (const [name, answer] of Object.entries(answers)) {
    it(`${name}: the stream's terminal Response equals the unstreamed body`, async () => {
      const reply = openAiResponsesReplies.json(answer);
      fake.server.enqueue(openAiResponsesPath, reply, reply);
      const unstreamed = await adapter().chatNative?.(testModel(), native, { signal: signal() });
      const parts: NativeStreamPart[] = [];
      const stream = await adapter().streamNative?.(testModel(), native, {
        signal: signal(),
        assembleBody: true,
      });
      for await (const part of stream ?? []) parts.push(part);
      const calls = fake.server.callsTo(openAiResponsesPath);
      expect(calls.map((call) => (call.body as { stream?: boolean }).stream)).toEqual([false, true]);
      expect(parts.filter((part) => part.body !== undefined)).toHaveLength(1);
      expect(parts.at(-1)?.body).toEqual(unstreamed?.body);
      expect(JSON.stringify(parts.at(-1)?.body)).toBe(JSON.stringify(unstreamed?.body));
    });
  }

  it("without assembleBody no part carries a body", async () => {
    const stream = await adapter().streamNative?.(testModel(), native, { signal: signal() });
    for await (const part of stream ?? []) expect(part.body).toBeUndefined();
  });
});
