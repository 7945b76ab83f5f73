import { OpenRouter } from "@openrouter/sdk";
import Groq from "groq-sdk";
import Together from "together-ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeProvider } from "../fake-provider.js";
import { createFakePresetHost } from "./fake-openai-compatible-presets.js";

/**
 * The hosts' own SDKs pointed at the preset fakes: each parses answers,
 * streams and errors as its host sends them, so the fakes speak what Groq,
 * Together and OpenRouter speak, at the paths their SDKs call.
 */

const messages = [{ role: "user" as const, content: "Hello" }];

describe("groq-sdk against the Groq fake", () => {
  let fake: FakeProvider;
  let groq: Groq;
  beforeAll(async () => {
    fake = await createFakePresetHost("groq");
    // The SDK's base URL is the host; it adds /openai/v1 itself.
    groq = new Groq({ apiKey: "groq-fake-key-0001-do-not-log", baseURL: fake.server.url, maxRetries: 0 });
  });
  afterAll(() => fake.close());

  it("reads an answer and a stream with usage", async () => {
    const answer = await groq.chat.completions.create({ model: "llama-3.3-70b-versatile", messages });
    expect(answer.choices[0]?.message.content).toBeTruthy();
    expect(answer.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(fake.chatCalls()[0]?.headers.authorization).toBe("Bearer groq-fake-key-0001-do-not-log");

    const stream = await groq.chat.completions.create({
      model: "llama-3.3-70b-versatile",
      messages,
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text.length).toBeGreaterThan(0);
  });

  it("gets the 400 Groq sends for what it refuses", async () => {
    const refused = await groq.chat.completions
      .create({ model: "llama-3.3-70b-versatile", messages, logprobs: true })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(Groq.BadRequestError);
    expect((refused as InstanceType<typeof Groq.BadRequestError>).status).toBe(400);
  });
});

describe("together-ai against the Together fake", () => {
  let fake: FakeProvider;
  let together: Together;
  beforeAll(async () => {
    fake = await createFakePresetHost("together");
    together = new Together({
      apiKey: "together-fake-key-0001-do-not-log",
      baseURL: fake.baseUrl,
      maxRetries: 0,
    });
  });
  afterAll(() => fake.close());

  it("reads an answer, a stream and an error", async () => {
    const answer = await together.chat.completions.create({
      model: "meta-llama/Llama-3.3-70B-Instruct-Turbo",
      messages,
    });
    expect(answer.choices[0]?.message?.content).toBeTruthy();
    expect(answer.usage?.prompt_tokens).toBeGreaterThan(0);

    const stream = await together.chat.completions.create({
      model: "meta-llama/Llama-3.3-70B-Instruct-Turbo",
      messages,
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text.length).toBeGreaterThan(0);

    fake.enqueueChat(fake.replies.error(429, "rate limited", { retryAfterSeconds: 1 }));
    const limited = await together.chat.completions
      .create({ model: "meta-llama/Llama-3.3-70B-Instruct-Turbo", messages })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(limited).toBeInstanceOf(Together.RateLimitError);
  });
});

describe("@openrouter/sdk against the OpenRouter fake", () => {
  let fake: FakeProvider;
  let openRouter: OpenRouter;
  beforeAll(async () => {
    fake = await createFakePresetHost("openrouter");
    openRouter = new OpenRouter({ apiKey: "openrouter-fake-key-0001-do-not-log", serverURL: fake.baseUrl });
  });
  afterAll(() => fake.close());

  it("validates an answer and a stream against its own schemas", async () => {
    const answer = await openRouter.chat.send({ chatRequest: { model: "openai/gpt-4.1", messages } });
    if (!("choices" in answer)) throw new Error("expected one answer, not a stream");
    expect(answer.choices[0]?.message.content).toBeTruthy();
    expect(answer.usage?.promptTokens).toBeGreaterThan(0);
    expect(fake.chatCalls()[0]?.headers.authorization).toBe("Bearer openrouter-fake-key-0001-do-not-log");

    const stream = await openRouter.chat.send({
      chatRequest: { model: "openai/gpt-4.1", messages, stream: true },
    });
    if (!(Symbol.asyncIterator in stream)) throw new Error("expected a stream");
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text.length).toBeGreaterThan(0);
  });
});
