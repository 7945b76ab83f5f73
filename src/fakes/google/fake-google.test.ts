import { ApiError, type GenerateContentResponse, GoogleGenAI, type Part } from "@google/genai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeProvider } from "../fake-provider.js";
import type { FakeResponse } from "../fake-upstream-server.js";
import { createFakeGoogle, googleEmbeddingsReply, googleThinkingToolCallReply } from "./fake-google.js";

// The official SDK pointed at the fake: what it accepts, the real API sends.
let fake: FakeProvider;
let sdk: GoogleGenAI;

beforeAll(async () => {
  fake = await createFakeGoogle();
  sdk = new GoogleGenAI({ apiKey: "test-google-key", httpOptions: { baseUrl: fake.baseUrl } });
});
afterAll(() => fake.close());
beforeEach(() => fake.server.reset());

async function collect(stream: AsyncGenerator<GenerateContentResponse>): Promise<GenerateContentResponse[]> {
  const chunks: GenerateContentResponse[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe("fake Google answered through @google/genai", () => {
  it("answers generateContent by default from the request, with usage", async () => {
    const response = await sdk.models.generateContent({ model: "gemini-2.5-flash", contents: "Say hello" });

    expect(response.text).toBe("Hello from fake gemini-2.5-flash");
    expect(response.candidates?.[0]?.finishReason).toBe("STOP");
    expect(response.modelVersion).toBe("gemini-2.5-flash");
    expect(response.usageMetadata?.promptTokenCount).toBeGreaterThan(0);
    expect(response.usageMetadata?.candidatesTokenCount).toBe(8);
    const [call] = fake.chatCalls();
    expect(call?.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
    expect(call?.headers["x-goog-api-key"]).toBe("test-google-key");
    expect(call?.body).toMatchObject({ contents: [{ role: "user", parts: [{ text: "Say hello" }] }] });
  });

  it("streams the default answer in pieces when the stream endpoint is called", async () => {
    const chunks = await collect(
      await sdk.models.generateContentStream({ model: "gemini-2.5-pro", contents: "Say hello" }),
    );

    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.map((chunk) => chunk.text ?? "").join("")).toBe("Hello from fake gemini-2.5-pro");
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe("STOP");
    expect(chunks.slice(0, -1).every((chunk) => chunk.candidates?.[0]?.finishReason === undefined)).toBe(
      true,
    );
    expect(fake.chatCalls()[0]?.query.get("alt")).toBe("sse");
  });

  it("streams scripted pieces with the final usage on the last chunk", async () => {
    fake.enqueueChat(
      fake.replies.stream(["Bonjour", " le", " monde"], { usage: { inputTokens: 20, outputTokens: 3 } }),
    );

    const chunks = await collect(
      await sdk.models.generateContentStream({ model: "gemini-2.5-flash", contents: "x" }),
    );

    expect(chunks.map((chunk) => chunk.text).join("")).toBe("Bonjour le monde");
    expect(chunks.at(-1)?.usageMetadata).toMatchObject({
      promptTokenCount: 20,
      candidatesTokenCount: 3,
      totalTokenCount: 23,
    });
  });

  it("returns a function call the SDK exposes as functionCalls", async () => {
    fake.enqueueChat(fake.replies.toolCall("get_weather", '{"city":"Paris"}'));

    const response = await sdk.models.generateContent({ model: "gemini-2.5-flash", contents: "Weather?" });

    expect(response.functionCalls).toEqual([{ name: "get_weather", args: { city: "Paris" } }]);
  });

  it("embeds a batch deterministically, honouring outputDimensionality", async () => {
    const embed = () =>
      sdk.models.embedContent({
        model: "gemini-embedding-001",
        contents: ["first text", "second text"],
        config: { outputDimensionality: 8 },
      });

    const first = await embed();
    const second = await embed();

    const vectors = first.embeddings?.map((embedding) => embedding.values) ?? [];
    expect(vectors).toHaveLength(2);
    expect(vectors[0]).toHaveLength(8);
    expect(vectors[0]).not.toEqual(vectors[1]);
    expect(second.embeddings?.map((embedding) => embedding.values)).toEqual(vectors);
    const norm = Math.hypot(...(vectors[0] ?? []));
    expect(norm).toBeCloseTo(1, 5);
    const [call] = fake.embeddingCalls?.() ?? [];
    expect(call?.path).toBe("/v1beta/models/gemini-embedding-001:batchEmbedContents");
    expect(call?.body).toMatchObject({
      requests: [{ model: "models/gemini-embedding-001", content: { parts: [{ text: "first text" }] } }, {}],
    });
  });

  it("serves scripted embeddings", async () => {
    fake.enqueueEmbeddings?.(googleEmbeddingsReply([[0.5, -0.5]]));

    const response = await sdk.models.embedContent({ model: "gemini-embedding-001", contents: "x" });

    expect(response.embeddings?.[0]?.values).toEqual([0.5, -0.5]);
  });

  it("sends error envelopes the SDK raises as ApiError with the status", async () => {
    fake.enqueueChat(fake.replies.error(429, "Quota exceeded for this model.", { retryAfterSeconds: 7 }));

    const error = await sdk.models
      .generateContent({ model: "gemini-2.5-flash", contents: "x" })
      .catch((e) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(429);
    const body = JSON.parse(error.message);
    expect(body.error).toMatchObject({
      code: 429,
      status: "RESOURCE_EXHAUSTED",
      message: "Quota exceeded for this model.",
    });
    expect(body.error.details[0]).toEqual({
      "@type": "type.googleapis.com/google.rpc.RetryInfo",
      retryDelay: "7s",
    });
  });

  it("rejects a stream request with ApiError before any chunk on an HTTP error", async () => {
    fake.enqueueChat(fake.replies.error(503, "The model is overloaded."));

    const error = await sdk.models
      .generateContentStream({ model: "gemini-2.5-flash", contents: "x" })
      .catch((e) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(503);
  });

  it("sends an in-band stream error the SDK raises mid-iteration", async () => {
    fake.enqueueChat(fake.replies.streamError(["Partial", " answer"]));
    const texts: string[] = [];

    const stream = await sdk.models.generateContentStream({ model: "gemini-2.5-flash", contents: "x" });
    const error = await (async () => {
      for await (const chunk of stream) texts.push(chunk.text ?? "");
    })().catch((e) => e);

    expect(texts).toEqual(["Partial", " answer"]);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(503);
    expect(error.message).toContain("UNAVAILABLE");
  });

  it("answers an embeddings request without inputs with Gemini's 400", async () => {
    const response = await fetch(`${fake.baseUrl}/v1beta/models/gemini-embedding-001:batchEmbedContents`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ requests: [] }),
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 400, status: "INVALID_ARGUMENT" } });
  });

  it("counts a prompt through models.countTokens as generateContent would bill it", async () => {
    const contents = "Count these words, please. ".repeat(20);
    const counted = await sdk.models.countTokens({ model: "gemini-2.5-pro", contents });
    const billed = await sdk.models.generateContent({ model: "gemini-2.5-pro", contents });
    expect(counted.totalTokens).toBe(billed.usageMetadata?.promptTokenCount);
    expect(fake.countTokensCalls?.()[0]?.path).toBe("/v1beta/models/gemini-2.5-pro:countTokens");
  });

  it("counts a whole generateContentRequest, system instruction included, and refuses both forms at once", async () => {
    const url = `${fake.baseUrl}/v1beta/models/gemini-2.5-pro:countTokens`;
    const post = (body: unknown) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const contents = [{ role: "user", parts: [{ text: "Hello there" }] }];
    const bare = (await (await post({ contents })).json()) as { totalTokens: number };
    const withSystem = (await (
      await post({
        generateContentRequest: {
          model: "models/gemini-2.5-pro",
          contents,
          systemInstruction: { parts: [{ text: "Answer in French, briefly and politely." }] },
        },
      })
    ).json()) as { totalTokens: number };
    expect(withSystem.totalTokens).toBeGreaterThan(bare.totalTokens);
    const both = await post({
      contents,
      generateContentRequest: { model: "models/gemini-2.5-pro", contents },
    });
    expect(both.status).toBe(400);
  });
});

describe("fake Google thoughts and thought signatures through @google/genai", () => {
  it("shows a thought summary and counts thinking tokens only when includeThoughts is asked", async () => {
    const config = { thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 } };
    const response = await sdk.models.generateContent({ model: "gemini-2.5-pro", contents: "Hi", config });
    const parts = response.candidates?.[0]?.content?.parts ?? [];
    expect(parts[0]).toEqual({ text: "Greeting gemini-2.5-pro.", thought: true });
    expect(response.text).toBe("Hello from fake gemini-2.5-pro");
    const usage = response.usageMetadata;
    expect(usage?.thoughtsTokenCount).toBeGreaterThan(0);
    expect(usage?.totalTokenCount).toBe(
      (usage?.promptTokenCount ?? 0) + (usage?.candidatesTokenCount ?? 0) + (usage?.thoughtsTokenCount ?? 0),
    );
    const streamed = await collect(
      await sdk.models.generateContentStream({ model: "gemini-2.5-pro", contents: "Hi", config }),
    );
    expect(streamed[0]?.candidates?.[0]?.content?.parts?.[0]?.thought).toBe(true);

    const plain = await sdk.models.generateContent({ model: "gemini-2.5-pro", contents: "Hi" });
    expect(plain.candidates?.[0]?.content?.parts?.some((part) => part.thought)).toBe(false);
    expect(plain.usageMetadata?.thoughtsTokenCount).toBeUndefined();
  });

  const call = { name: "get_weather", argumentsJson: '{"city":"Paris"}' };

  it("returns a thought part, a signed function call, and thinking tokens apart from the candidates", async () => {
    fake.enqueueChat(
      googleThinkingToolCallReply("Checking the weather.", call, {
        inputTokens: 20,
        outputTokens: 9,
        thoughtsTokens: 120,
      }),
    );
    const response = await sdk.models.generateContent({
      model: "gemini-3-pro-preview",
      contents: "Weather in Paris?",
    });
    const parts = response.candidates?.[0]?.content?.parts ?? [];
    expect(parts[0]).toEqual({ text: "Checking the weather.", thought: true });
    expect(parts[1]?.functionCall).toEqual({ name: "get_weather", args: { city: "Paris" } });
    expect(parts[1]?.thoughtSignature).toEqual(expect.any(String));
    expect(response.functionCalls?.[0]?.name).toBe("get_weather");
    expect(response.usageMetadata).toMatchObject({
      promptTokenCount: 20,
      candidatesTokenCount: 9,
      thoughtsTokenCount: 120,
      totalTokenCount: 149,
    });
  });

  it("on Gemini 3, refuses a replayed function call without its signature or with a forged one, and accepts it signed", async () => {
    fake.enqueueChat(
      googleThinkingToolCallReply("Checking.", call, {
        inputTokens: 20,
        outputTokens: 9,
        thoughtsTokens: 50,
      }),
    );
    const first = await sdk.models.generateContent({
      model: "gemini-3-pro-preview",
      contents: "Weather in Paris?",
    });
    const signedPart = first.candidates?.[0]?.content?.parts?.[1];
    const history = (part: object) => [
      { role: "user", parts: [{ text: "Weather in Paris?" }] },
      { role: "model", parts: [part] },
      { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { output: "Sunny" } } }] },
    ];
    const unsigned = { functionCall: signedPart?.functionCall };

    const missing = await sdk.models
      .generateContent({ model: "gemini-3-pro-preview", contents: history(unsigned) })
      .catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(ApiError);
    expect((missing as ApiError).status).toBe(400);
    expect((missing as ApiError).message).toContain("Function call is missing a thought_signature");

    const forged = await sdk.models
      .generateContent({
        model: "gemini-3-pro-preview",
        contents: history({ ...unsigned, thoughtSignature: "Zm9yZ2Vk" }),
      })
      .catch((error: unknown) => error);
    expect((forged as ApiError).message).toContain("Corrupted thought signature.");

    const accepted = await sdk.models.generateContent({
      model: "gemini-3-pro-preview",
      contents: history(signedPart ?? {}),
    });
    expect(accepted.text).toBe("Hello from fake gemini-3-pro-preview");
    // Gemini 2.5 does not require the signature.
    const older = await sdk.models.generateContent({ model: "gemini-2.5-pro", contents: history(unsigned) });
    expect(older.text).toBe("Hello from fake gemini-2.5-pro");
  });
});

describe("fake Google: a scripted generateContent answer to a call that streams, through @google/genai", () => {
  const answerText = (parts: Part[]) =>
    parts
      .filter((part) => !part.thought)
      .map((part) => part.text ?? "")
      .join("");

  /** The same scripted reply to generateContent and to streamGenerateContent, both as the SDK reads them. */
  async function bothWays(reply: FakeResponse) {
    fake.enqueueChat(reply, reply);
    const whole = await sdk.models.generateContent({ model: "gemini-2.5-pro", contents: "Hi" });
    const chunks = await collect(
      await sdk.models.generateContentStream({ model: "gemini-2.5-pro", contents: "Hi" }),
    );
    expect(fake.chatCalls()[1]?.path).toBe("/v1beta/models/gemini-2.5-pro:streamGenerateContent");
    const last = chunks.at(-1);
    const parts = chunks.flatMap((chunk) => chunk.candidates?.[0]?.content?.parts ?? []);
    // Read from the parts: the SDK's `text` getter warns about function-call parts.
    const wholeParts = whole.candidates?.[0]?.content?.parts ?? [];
    expect(answerText(parts)).toBe(answerText(wholeParts));
    expect(chunks.flatMap((chunk) => chunk.functionCalls ?? [])).toEqual(whole.functionCalls ?? []);
    expect(last?.candidates?.[0]?.finishReason).toBe(whole.candidates?.[0]?.finishReason);
    expect(chunks.slice(0, -1).every((chunk) => chunk.candidates?.[0]?.finishReason === undefined)).toBe(
      true,
    );
    expect(last?.usageMetadata).toEqual(whole.usageMetadata);
    expect(last).toMatchObject({ modelVersion: whole.modelVersion, responseId: whole.responseId });
    return { whole, chunks, parts };
  }

  it("streams replies.text in pieces with the final usage, cached tokens included, on the last chunk", async () => {
    const { chunks } = await bothWays(
      fake.replies.text("Bonjour tout le monde", {
        inputTokens: 200,
        outputTokens: 8,
        cachedInputTokens: 128,
      }),
    );
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.at(-1)?.usageMetadata?.cachedContentTokenCount).toBe(128);
    const counts = chunks.map((chunk) => chunk.usageMetadata?.candidatesTokenCount ?? 0);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
  });

  it("streams replies.toolCall as a whole function call", async () => {
    const { parts } = await bothWays(fake.replies.toolCall("get_weather", '{"city":"Paris"}'));
    expect(parts).toEqual([{ functionCall: { name: "get_weather", args: { city: "Paris" } } }]);
  });

  it("streams a thinking tool call: the thought, then the call with its signature, thinking tokens kept", async () => {
    const call = { name: "get_weather", argumentsJson: '{"city":"Paris"}' };
    const { whole, parts, chunks } = await bothWays(
      googleThinkingToolCallReply("Checking the weather.", call, {
        inputTokens: 20,
        outputTokens: 9,
        thoughtsTokens: 120,
      }),
    );
    expect(parts).toEqual(whole.candidates?.[0]?.content?.parts);
    expect(chunks.every((chunk) => chunk.usageMetadata?.thoughtsTokenCount === 120)).toBe(true);
  });

  it("answers an error, or a body with no candidates, as it is", async () => {
    fake.enqueueChat(fake.replies.error(429, "Quota exceeded."));
    const error = await sdk.models
      .generateContentStream({ model: "gemini-2.5-flash", contents: "x" })
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(429);

    fake.enqueueChat({ type: "json", body: { candidates: "nope" } });
    const response = await fetch(
      `${fake.baseUrl}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "x" }] }] }),
      },
    );
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ candidates: "nope" });
  });
});
