import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ChatCompletionChunk, ChatRequest } from "../../core/chat.js";
import type { ModelSpec } from "../../core/model-catalog.js";
import type { BedrockSettings, ProviderSettings } from "../../core/provider-adapter.js";
import { isUpstreamError, type UpstreamError } from "../../core/upstream-error.js";
import {
  bedrockModelIdOf,
  createFakeBedrock,
  type FakeBedrock,
  fakeBedrockIdentity,
} from "../../fakes/bedrock/fake-bedrock.js";
import { createBedrockAdapter } from "./bedrock-adapter.js";

const model: ModelSpec = {
  name: "claude-sonnet-4-bedrock",
  kind: "chat",
  provider: "bedrock",
  providerModelId: "us.anthropic.claude-sonnet-4-20250514-v1:0",
  contextWindow: 200_000,
  maxOutputTokens: 64_000,
  pricing: {
    inputMicroUsdPerMtok: 3_000_000,
    outputMicroUsdPerMtok: 15_000_000,
    cachedInputMicroUsdPerMtok: 300_000,
    cacheWriteMicroUsdPerMtok: 3_750_000,
  },
};
const request: ChatRequest = { messages: [{ role: "user", content: "Hi" }] };
const [plainKey, sessionKey] = fakeBedrockIdentity.accessKeys as [
  (typeof fakeBedrockIdentity.accessKeys)[number],
  (typeof fakeBedrockIdentity.accessKeys)[number],
];

let fake: FakeBedrock;
beforeAll(async () => {
  fake = await createFakeBedrock();
});
afterAll(() => fake.close());
beforeEach(() => fake.server.reset());

function adapterWith(bedrock: Partial<BedrockSettings>) {
  const settings: ProviderSettings = {
    name: "bedrock",
    kind: "bedrock",
    apiKey: "configured",
    baseUrl: `${fake.baseUrl}/`,
    timeouts: { connectMs: 1000, firstByteMs: 1000, answerMs: 1000, idleMs: 1000 },
    bedrock: { region: "us-east-1", ...bedrock },
  };
  return createBedrockAdapter(settings);
}
const call = () => ({ signal: new AbortController().signal });

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    if (isUpstreamError(error)) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

describe("Bedrock adapter against the fake", () => {
  it("signs with access keys, a session token, and a Bedrock API key; the fake verifies each", async () => {
    for (const bedrock of [
      { credentials: plainKey },
      { credentials: sessionKey },
      { bearerToken: fakeBedrockIdentity.apiKeys[0] as string },
    ]) {
      const answer = await adapterWith(bedrock).chat(model, request, call());
      expect(answer.choices[0]?.message.content).toBe(`Hello from fake Bedrock ${model.providerModelId}`);
    }
    const [, withSession, withKey] = fake.chatCalls();
    expect(withSession?.headers["x-amz-security-token"]).toBe(sessionKey.sessionToken);
    expect(withKey?.headers.authorization).toBe(`Bearer ${fakeBedrockIdentity.apiKeys[0]}`);
  });

  it("an inference profile ARN travels as one encoded path segment, signed as AWS signs it", async () => {
    const arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6";
    await adapterWith({ credentials: plainKey }).chat({ ...model, providerModelId: arn }, request, call());
    const [sent] = fake.chatCalls();
    expect(sent?.path).toBe(`/model/${encodeURIComponent(arn)}/converse`);
    expect(bedrockModelIdOf(sent as NonNullable<typeof sent>)).toBe(arn);
  });

  it("a wrong secret is the fake's 403 InvalidSignatureException: misconfigured, fails over, no secret in the error", async () => {
    const secret = "bedrock-wrong-secret-0004-do-not-log";
    const error = await rejection(
      adapterWith({ credentials: { accessKeyId: plainKey.accessKeyId, secretAccessKey: secret } }).chat(
        model,
        request,
        call(),
      ),
    );
    expect(error).toMatchObject({ kind: "misconfigured", status: 403, isRetryable: true });
    expect(error.message).toContain("InvalidSignatureException");
    expect(
      JSON.stringify({ message: error.message, body: error.body, headers: error.headers }),
    ).not.toContain(secret);
  });

  it("classifies Bedrock's statuses: 429 rate limited, 424 ModelErrorException fails over, 400 is the caller's", async () => {
    const adapter = adapterWith({ credentials: plainKey });
    fake.enqueueChat(fake.replies.error(429, "Too many requests", { retryAfterSeconds: 2 }));
    fake.enqueueChat(fake.replies.error(424, "The model failed"));
    fake.enqueueChat(fake.replies.error(400, "Bad input"));
    expect(await rejection(adapter.chat(model, request, call()))).toMatchObject({
      kind: "rate_limited",
      retryAfterMs: 2000,
      message: expect.stringContaining("(ThrottlingException)"),
    });
    expect(await rejection(adapter.chat(model, request, call()))).toMatchObject({
      kind: "server",
      isRetryable: true,
    });
    expect(await rejection(adapter.chat(model, request, call()))).toMatchObject({
      kind: "request",
      isRetryable: false,
    });
  });

  it("streams text and tool calls from the binary event stream, usage on the last chunk", async () => {
    const adapter = adapterWith({ credentials: plainKey });
    fake.enqueueChat(
      fake.replies.stream(["Hel", "lo"], {
        usage: { inputTokens: 20, outputTokens: 2, cachedInputTokens: 5 },
      }),
    );
    const chunks = await collect(await adapter.streamChat(model, request, call()));
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("Hello");
    expect(chunks.at(-1)?.usage).toMatchObject({
      prompt_tokens: 20,
      completion_tokens: 2,
      prompt_tokens_details: { cached_tokens: 5, cache_creation_tokens: 0 },
    });
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe("stop");

    fake.enqueueChat(fake.replies.toolCall("get_weather", '{"city":"Paris"}'));
    const toolChunks = await collect(
      await adapter.streamChat(
        model,
        { ...request, tools: [{ type: "function", function: { name: "get_weather" } }] },
        call(),
      ),
    );
    const deltas = toolChunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(deltas[0]).toMatchObject({
      index: 0,
      id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
      function: { name: "get_weather" },
    });
    expect(JSON.parse(deltas.map((delta) => delta.function?.arguments ?? "").join(""))).toEqual({
      city: "Paris",
    });
    expect(toolChunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe(
      "tool_calls",
    );
  });

  it("a JSON response_format is a forced tool whose input is the content", async () => {
    const answer = await adapterWith({ credentials: plainKey }).chat(
      model,
      { ...request, response_format: { type: "json_object" } },
      call(),
    );
    expect(JSON.parse(answer.choices[0]?.message.content ?? "")).toEqual({
      answer: `Hello from fake Bedrock ${model.providerModelId}`,
    });
    expect(fake.chatCalls()[0]?.body).toMatchObject({
      toolConfig: { toolChoice: { tool: { name: "json_response" } } },
    });
  });

  it("an exception before the first token is a retryable stream failure; a cut body is a broken stream", async () => {
    const adapter = adapterWith({ credentials: plainKey });
    fake.enqueueChat(fake.streamException([], "serviceUnavailableException", "Bedrock is busy"));
    const busy = await rejection(collect(await adapter.streamChat(model, request, call())));
    expect(busy).toMatchObject({ kind: "overloaded", isRetryable: true });
    expect(busy.message).toContain("Bedrock is busy (serviceUnavailableException)");

    fake.enqueueChat(fake.replies.stream(["Once", " upon"], { cutAfter: 2 }));
    // The socket ends inside the chunked body: a failed connection, retryable like a broken stream.
    const cut = await rejection(collect(await adapter.streamChat(model, request, call())));
    expect(cut).toMatchObject({ isRetryable: true });
    expect(["stream", "connection"]).toContain(cut.kind);
  });

  it("counts input tokens with CountTokens: the Converse input without its output settings", async () => {
    const adapter = adapterWith({ credentials: plainKey });
    fake.enqueueCountTokens?.({ type: "json", body: { inputTokens: 42 } });
    const tokens = await adapter.countInputTokens?.(
      model,
      { messages: [{ role: "system", content: "Be brief." }, ...request.messages], max_tokens: 10 },
      call(),
    );
    expect(tokens).toBe(42);
    expect(fake.countTokensCalls?.()[0]?.body).toEqual({
      input: {
        converse: {
          system: [{ text: "Be brief." }],
          messages: [{ role: "user", content: [{ text: "Hi" }] }],
        },
      },
    });
  });
});
