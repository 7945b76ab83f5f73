import { describe, expect, it } from "vitest";
import { defaultCatalog } from "../config/default-catalog.js";
import { countTokens } from "./count-tokens.js";
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
