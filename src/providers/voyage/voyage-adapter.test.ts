import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ModelSpec } from "../../core/model-catalog.js";
import type { ProviderSettings } from "../../core/provider-adapter.js";
import type { FakeProvider } from "../../fakes/fake-provider.js";
import { createFakeVoyage } from "../../fakes/voyage/fake-voyage.js";
import { createVoyageAdapter } from "./voyage-adapter.js";
import { extractVoyageErrorMessage } from "./voyage-error.js";

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8"));

const voyage3: ModelSpec = {
  name: "voyage-3",
  kind: "embedding",
  provider: "voyage",
  providerModelId: "voyage-3",
  contextWindow: 32_000,
  maxOutputTokens: 0,
  pricing: {
    inputMicroUsdPerMtok: 60_000,
    outputMicroUsdPerMtok: 0,
    cachedInputMicroUsdPerMtok: 0,
    cacheWriteMicroUsdPerMtok: 60_000,
  },
};
const apiKey = "test-voyage-key-do-not-leak";

let fake: FakeProvider;
let adapter: ReturnType<typeof createVoyageAdapter>;
const settings = (firstByteMs = 2_000): ProviderSettings => ({
  name: "voyage",
  kind: "voyage",
  apiKey,
  baseUrl: fake.baseUrl,
  timeouts: { connectMs: 2_000, firstByteMs, answerMs: firstByteMs, idleMs: 2_000 },
});
const options = () => ({ signal: new AbortController().signal });
const embed = (input: string[], dimensions?: number) =>
  adapter.embed?.(voyage3, { input, dimensions }, options()) ?? Promise.reject(new Error("no embed"));

beforeAll(async () => {
  fake = await createFakeVoyage();
  adapter = createVoyageAdapter(settings());
});
afterAll(() => fake.close());
beforeEach(() => fake.server.reset());

describe("voyage adapter", () => {
  it("embeds through POST /embeddings with bearer auth and reported usage", async () => {
    const result = await embed(["Sample text 1", "Sample text 2"], 256);

    expect(result.model).toBe("voyage-3");
    expect(result.embeddings).toHaveLength(2);
    expect(result.embeddings[0]).toHaveLength(256);
    expect(result.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 });
    expect(result.usageEstimated).toBeUndefined();
    const [call] = fake.embeddingCalls?.() ?? [];
    expect(call?.path).toBe("/v1/embeddings");
    expect(call?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(call?.body).toEqual({
      input: ["Sample text 1", "Sample text 2"],
      model: "voyage-3",
      output_dimension: 256,
    });
  });

  it("reads the documented response", async () => {
    fake.enqueueEmbeddings?.({ type: "json", body: fixture("voyage-embeddings.json") });

    const result = await embed(["a", "b"]);

    expect(result.embeddings).toEqual([
      [0.0214, -0.0093, 0.0378, -0.0151],
      [-0.0127, 0.0046, 0.0295, -0.0412],
    ]);
    expect(result.usage.total_tokens).toBe(10);
    expect(fake.embeddingCalls?.()[0]?.body).toEqual({ input: ["a", "b"], model: "voyage-3" });
  });

  it("orders embeddings by their index", async () => {
    fake.enqueueEmbeddings?.({
      type: "json",
      body: {
        object: "list",
        data: [
          { object: "embedding", embedding: [2], index: 1 },
          { object: "embedding", embedding: [1], index: 0 },
        ],
        model: "voyage-3",
        usage: { total_tokens: 2 },
      },
    });

    expect((await embed(["first", "second"])).embeddings).toEqual([[1], [2]]);
  });

  it("rejects an answer whose indexes do not cover the inputs as invalid_response", async () => {
    fake.enqueueEmbeddings?.({
      type: "json",
      body: { data: [{ embedding: [1], index: 1 }], model: "voyage-3", usage: { total_tokens: 1 } },
    });

    await expect(embed(["only"])).rejects.toMatchObject({ kind: "invalid_response" });
  });

  it.each([
    [400, "request", false],
    [401, "misconfigured", true],
    [403, "misconfigured", true],
    [404, "misconfigured", true],
    [500, "server", true],
    [503, "overloaded", true],
  ] as const)("maps HTTP %i to kind %s (retryable: %s)", async (status, kind, isRetryable) => {
    fake.enqueueEmbeddings?.(fake.replies.error(status, "went wrong"));

    const error = await embed(["x"]).catch((e) => e);

    expect(error).toMatchObject({ name: "UpstreamError", provider: "voyage", kind, status, isRetryable });
    expect(error.message).toBe(`voyage answered ${status}: went wrong`);
    expect(error.message).not.toContain(apiKey);
  });

  it("honours retry-after on 429", async () => {
    fake.enqueueEmbeddings?.(fake.replies.error(429, "Rate limit exceeded.", { retryAfterSeconds: 4 }));

    await expect(embed(["x"])).rejects.toMatchObject({
      kind: "rate_limited",
      retryAfterMs: 4000,
      isRetryable: true,
    });
  });

  it("maps reset, first-byte timeout and a garbage body", async () => {
    const impatient = createVoyageAdapter(settings(150));
    fake.enqueueEmbeddings?.({ type: "reset" }, { type: "hang" }, { type: "raw", body: "<html>oops</html>" });

    await expect(embed(["x"])).rejects.toMatchObject({ kind: "connection" });
    await expect(impatient.embed?.(voyage3, { input: ["x"] }, options())).rejects.toMatchObject({
      kind: "timeout",
    });
    await expect(embed(["x"])).rejects.toMatchObject({ kind: "invalid_response" });
  });

  it("refuses chat and streamChat without calling Voyage", async () => {
    const request = { messages: [{ role: "user" as const, content: "hi" }] };
    const model = { ...voyage3, kind: "chat" as const };

    for (const call of [
      adapter.chat(model, request, options()),
      adapter.streamChat(model, request, options()),
    ]) {
      await expect(call).rejects.toMatchObject({
        name: "UpstreamError",
        kind: "request",
        isRetryable: false,
        message: expect.stringContaining("only serves embeddings"),
      });
    }
    expect(fake.server.calls).toHaveLength(0);
  });
});

describe("extractVoyageErrorMessage", () => {
  it("reads Voyage's detail string", () => {
    expect(extractVoyageErrorMessage(fixture("voyage-error-400.json"))).toBe(
      "Value 'voyage-9' supplied for argument 'model' is not valid.",
    );
  });

  it("reads a FastAPI validation list", () => {
    expect(
      extractVoyageErrorMessage({
        detail: [{ loc: ["body", "input"], msg: "field required", type: "value_error.missing" }],
      }),
    ).toBe("body.input: field required");
  });

  it("returns undefined for other bodies", () => {
    expect(extractVoyageErrorMessage({ error: { message: "x" } })).toBeUndefined();
  });
});
