import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FakeProvider } from "../../fakes/fake-provider.js";
import { createFakeOpenAi } from "../../fakes/openai/fake-openai.js";
import {
  collectChunks,
  openAiFixture,
  streamedText,
  testModel,
  testSettings,
  upstreamFailure,
} from "./__fixtures__/openai-fixtures.js";
import { createOpenAiCompatibleAdapter } from "./openai-compatible-adapter.js";

const model = testModel({
  name: "llama",
  provider: "my-vllm",
  providerModelId: "meta-llama/Llama-3.1-8B-Instruct",
});
const hello = { messages: [{ role: "user" as const, content: "Say hello" }] };
const signal = () => ({ signal: new AbortController().signal });
const settings = (baseUrl: string, apiKey: string | undefined) =>
  testSettings(baseUrl, { name: "my-vllm", kind: "openai-compatible", apiKey });

let fake: FakeProvider;

beforeAll(async () => {
  fake = await createFakeOpenAi();
});
afterEach(() => fake.server.reset());
afterAll(() => fake.close());

describe("openai-compatible adapter", () => {
  it("sends no Authorization header when the key is empty", async () => {
    for (const apiKey of ["", undefined]) {
      const adapter = createOpenAiCompatibleAdapter(settings(fake.baseUrl, apiKey));
      const completion = await adapter.chat(model, hello, signal());
      expect(completion.choices[0]?.message.content).toBe("Hello from fake meta-llama/Llama-3.1-8B-Instruct");
    }
    expect(fake.chatCalls().map((call) => call.headers.authorization)).toEqual([undefined, undefined]);
  });

  it("sends the bearer key when one is configured, under its own provider name", async () => {
    const adapter = createOpenAiCompatibleAdapter(settings(`${fake.baseUrl}/`, "or-key-123"));
    expect(adapter.name).toBe("my-vllm");
    const chunks = await collectChunks(await adapter.streamChat(model, hello, signal()));
    expect(streamedText(chunks)).toBe("Hello from fake meta-llama/Llama-3.1-8B-Instruct");
    const [call] = fake.chatCalls();
    expect(call?.path).toBe("/v1/chat/completions");
    expect(call?.headers.authorization).toBe("Bearer or-key-123");
  });

  it("sends developer messages as system", async () => {
    const adapter = createOpenAiCompatibleAdapter(settings(fake.baseUrl, ""));
    await adapter.chat(model, { messages: [{ role: "developer", content: "Be brief." }] }, signal());
    expect(fake.chatCalls()[0]?.body).toMatchObject({ messages: [{ role: "system", content: "Be brief." }] });
  });

  it("embeds through {baseUrl}/embeddings", async () => {
    const adapter = createOpenAiCompatibleAdapter(settings(fake.baseUrl, ""));
    const result = await adapter.embed?.(
      testModel({ kind: "embedding", providerModelId: "nomic-embed-text" }),
      { input: ["hello"] },
      signal(),
    );
    expect(result?.embeddings[0]).toHaveLength(1536);
    expect(fake.embeddingCalls?.()[0]?.headers.authorization).toBeUndefined();
  });

  it("reads vLLM's top-level error envelope", async () => {
    const adapter = createOpenAiCompatibleAdapter(settings(fake.baseUrl, ""));
    fake.enqueueChat({ type: "json", status: 400, body: openAiFixture("vllm-error-400.json") });
    const error = await upstreamFailure(() => adapter.chat(model, hello, signal()));
    expect(error).toMatchObject({ kind: "request", isRetryable: false });
    expect(error.message).toMatch(
      /^my-vllm answered 400: This model's maximum context length is 4096 tokens/,
    );
  });
});
