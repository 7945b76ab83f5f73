import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defaultCatalog } from "../config/default-catalog.js";
import { loadConfig } from "../config/load-config.js";
import { createFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/fake-anthropic.js";
import type { FakeProvider } from "../fakes/fake-provider.js";
import { createFakeGoogle } from "../fakes/google/fake-google.js";
import { createProviderAdapters } from "../providers/registry.js";
import { Deployments } from "../routing/deployments.js";
import { countTokens, type ProviderCounting } from "./count-tokens.js";
import { TokenCounter } from "./token-counter.js";

const catalog = defaultCatalog();
const counter = new TokenCounter();

describe("countTokens", () => {
  it('counts "Hello, world!" as 4 cl100k_base tokens for gpt-4', async () => {
    expect(await countTokens({ text: "Hello, world!" }, catalog, counter)).toEqual({
      tokens: 4,
      model: "gpt-4",
      encoding: "cl100k_base",
      exact: true,
    });
  });

  it("uses o200k_base for gpt-4o, gpt-4.1 and the o-series", async () => {
    for (const model of ["gpt-4o", "gpt-4.1", "gpt-4.1-mini", "o3"]) {
      const result = await countTokens({ text: "Hello, world!", model }, catalog, counter);
      expect(result).toMatchObject({ encoding: "o200k_base", exact: true, tokens: 4 });
    }
  });

  it("counts chat messages with OpenAI's per-message overhead", async () => {
    // The openai-cookbook example: these messages are 129 prompt tokens for gpt-4 (cl100k_base).
    const messages = [
      {
        role: "system" as const,
        content:
          "You are a helpful, pattern-following assistant that translates corporate jargon into plain English.",
      },
      {
        role: "system" as const,
        name: "example_user",
        content: "New synergies will help drive top-line growth.",
      },
      {
        role: "system" as const,
        name: "example_assistant",
        content: "Things working well together will increase revenue.",
      },
      {
        role: "system" as const,
        name: "example_user",
        content:
          "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.",
      },
      {
        role: "system" as const,
        name: "example_assistant",
        content: "Let's talk later when we're less busy about how to do better.",
      },
      {
        role: "user" as const,
        content: "This late pivot means we don't have time to boil the ocean for the client deliverable.",
      },
    ];
    const result = await countTokens({ messages, model: "gpt-4" }, catalog, counter);
    expect(result).toEqual({ tokens: 129, model: "gpt-4", encoding: "cl100k_base", exact: true });
  });

  it("estimates other providers' models and says so", async () => {
    const result = await countTokens({ text: "Hello, world!", model: "claude-sonnet-4" }, catalog, counter);
    expect(result).toMatchObject({ exact: false, encoding: "o200k_base", model: "claude-sonnet-4" });
    expect(result.tokens).toBeGreaterThan(0);
  });

  it("flags image parts as approximate", async () => {
    const result = await countTokens(
      {
        model: "gpt-4o",
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "What is this?" },
              { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
            ],
          },
        ],
      },
      catalog,
      counter,
    );
    expect(result.exact).toBe(false);
  });

  it("refuses an unknown model with a hint on how to pick one", async () => {
    await expect(
      countTokens({ text: "x", model: "nonexistent-model" }, catalog, counter),
    ).rejects.toMatchObject({
      code: "GW_ERR_UNKNOWN_MODEL",
      message: expect.stringContaining("list_models"),
    });
  });

  it("treats a model named like an Object.prototype property as unknown", async () => {
    for (const model of ["constructor", "valueOf", "__proto__"]) {
      await expect(countTokens({ text: "x", model }, catalog, counter)).rejects.toMatchObject({
        code: "GW_ERR_UNKNOWN_MODEL",
      });
    }
  });

  it("needs exactly one of text and messages", async () => {
    await expect(countTokens({}, catalog, counter)).rejects.toMatchObject({ code: "GW_ERR_INVALID_REQUEST" });
    await expect(
      countTokens({ text: "a", messages: [{ role: "user", content: "b" }] }, catalog, counter),
    ).rejects.toMatchObject({ code: "GW_ERR_INVALID_REQUEST" });
  });
});

describe("TokenCounter on pathological input", () => {
  it("counts a long run without whitespace in bounded time and says the count is approximate", async () => {
    const blob = "x".repeat(200_000);
    // Unsliced, the quadratic merge of one 200 kB pre-token runs for minutes: past the test timeout.
    const result = await countTokens({ text: blob, model: "gpt-4o" }, catalog, counter);
    expect(result.exact).toBe(false);
    expect(result.tokens).toBeGreaterThan(200_000 / 16);
  });
});

describe("countTokens with the providers' own counting endpoints", () => {
  let anthropic: FakeAnthropic;
  let google: FakeProvider;
  let counting: ProviderCounting;
  const warnings: Array<{ provider?: string; model?: string; error?: string; msg?: string }> = [];
  const question = "How many tokens is this question, really? ".repeat(10);
  const messages = [
    { role: "system" as const, content: "Answer in French." },
    { role: "user" as const, content: question },
  ];

  beforeAll(async () => {
    anthropic = await createFakeAnthropic();
    google = await createFakeGoogle();
    const config = loadConfig({
      ANTHROPIC_API_KEY: "sk-ant-count-test",
      ANTHROPIC_BASE_URL: anthropic.baseUrl,
      GOOGLE_API_KEY: "google-count-test",
      GOOGLE_BASE_URL: google.baseUrl,
      // An OpenAI key pointing nowhere: OpenAI models must never need the network to count.
      OPENAI_API_KEY: "sk-openai-count-test",
      OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
    });
    const logger = pino({ level: "warn" }, { write: (line: string) => warnings.push(JSON.parse(line)) });
    counting = {
      deployments: new Deployments(config, await createProviderAdapters(config.providers)),
      logger,
    };
  });
  afterAll(async () => {
    await anthropic.close();
    await google.close();
  });
  beforeEach(() => {
    anthropic.server.reset();
    google.server.reset();
    warnings.length = 0;
  });

  it("asks Anthropic's count_tokens for a Claude model: exact, and what a message would bill", async () => {
    const counted = await countTokens({ messages, model: "claude-sonnet-4" }, catalog, counter, counting);
    const [call] = anthropic.countTokensCalls();
    expect(call?.headers["x-api-key"]).toBe("sk-ant-count-test");
    // The prompt only: the system prompt in its own field, no max_tokens (the API refuses it there).
    expect(call?.body).toEqual({
      model: catalog["claude-sonnet-4"]?.providerModelId,
      system: [{ type: "text", text: "Answer in French." }],
      messages: [{ role: "user", content: [{ type: "text", text: question }] }],
    });
    expect(counted).toMatchObject({ model: "claude-sonnet-4", encoding: "provider:anthropic", exact: true });
    // The fake counts as it bills: a chat with the same prompt reports the same input tokens.
    const billed = await fetch(`${anthropic.baseUrl}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "k", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ ...(call?.body as object), max_tokens: 16 }),
    });
    expect(((await billed.json()) as { usage: { input_tokens: number } }).usage.input_tokens).toBe(
      counted.tokens,
    );
  });

  it("asks Gemini's countTokens for a Gemini model, with the system instruction in the request", async () => {
    const counted = await countTokens({ messages, model: "gemini-2.5-pro" }, catalog, counter, counting);
    const [call] = google.countTokensCalls?.() ?? [];
    expect(call?.path).toMatch(/:countTokens$/);
    expect(call?.body).toMatchObject({
      generateContentRequest: {
        model: `models/${catalog["gemini-2.5-pro"]?.providerModelId}`,
        systemInstruction: { parts: [{ text: "Answer in French." }] },
        contents: [{ role: "user", parts: [{ text: question }] }],
      },
    });
    expect(counted).toMatchObject({ model: "gemini-2.5-pro", encoding: "provider:google", exact: true });
    expect(counted.tokens).toBeGreaterThan(100);
  });

  it("counts a text as the one user message it would be sent as", async () => {
    const counted = await countTokens(
      { text: "Hello, world!", model: "claude-haiku" },
      catalog,
      counter,
      counting,
    );
    expect(anthropic.countTokensCalls()[0]?.body).toMatchObject({
      messages: [{ role: "user", content: [{ type: "text", text: "Hello, world!" }] }],
    });
    expect(counted).toMatchObject({ encoding: "provider:anthropic", exact: true });
  });

  it("answers with the estimate, flagged inexact, when the endpoint fails, and says why in the log", async () => {
    anthropic.enqueueCountTokens(anthropic.replies.error(529, "Overloaded"));
    const counted = await countTokens({ messages, model: "claude-opus-4-5" }, catalog, counter, counting);
    const local = await countTokens({ messages, model: "claude-opus-4-5" }, catalog, counter);
    expect(counted).toEqual({ ...local, exact: false, encoding: "o200k_base" });
    expect(warnings).toEqual([
      expect.objectContaining({
        provider: "anthropic",
        model: "claude-opus-4-5",
        error: expect.stringContaining("Overloaded"),
      }),
    ]);
  });

  it.each([
    ["a garbage body", { type: "raw", body: "<html>502 Bad Gateway</html>" }],
    ["a connection reset", { type: "reset" }],
  ] as const)("answers with the estimate when the endpoint sends %s", async (_label, failure) => {
    anthropic.enqueueCountTokens(failure);
    const counted = await countTokens({ text: "Hello", model: "claude-haiku" }, catalog, counter, counting);
    expect(counted).toMatchObject({ exact: false, encoding: "o200k_base" });
    expect(warnings).toEqual([expect.objectContaining({ provider: "anthropic", model: "claude-haiku" })]);
    expect(anthropic.countTokensCalls()).toHaveLength(1);
  });

  it("gives up on an endpoint that does not answer within the timeout", async () => {
    google.enqueueCountTokens?.({ type: "hang" });
    const counted = await countTokens({ text: "Hello", model: "gemini-flash" }, catalog, counter, {
      ...counting,
      timeoutMs: 300,
    });
    expect(counted).toMatchObject({ exact: false, encoding: "o200k_base" });
    expect(warnings).toEqual([
      expect.objectContaining({ provider: "google", error: expect.stringMatching(/abort|time/i) }),
    ]);
    expect(google.countTokensCalls?.()).toHaveLength(1);
  });

  it("keeps OpenAI models local and exact, and estimates providers without a counting endpoint or key", async () => {
    expect(
      await countTokens({ text: "Hello, world!", model: "gpt-4.1" }, catalog, counter, counting),
    ).toEqual({ tokens: 4, model: "gpt-4.1", encoding: "o200k_base", exact: true });
    // DeepSeek has no counting endpoint, and no key here either.
    const deepseek = await countTokens(
      { text: "Hello", model: "deepseek-coder" },
      catalog,
      counter,
      counting,
    );
    expect(deepseek).toMatchObject({ exact: false, encoding: "o200k_base" });
    expect(anthropic.countTokensCalls()).toHaveLength(0);
    expect(google.countTokensCalls?.()).toHaveLength(0);
    expect(warnings).toHaveLength(0);
  });
});
