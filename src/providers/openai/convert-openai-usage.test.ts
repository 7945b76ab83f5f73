import { describe, expect, it } from "vitest";
import { openAiFixture } from "./__fixtures__/openai-fixtures.js";
import { convertOpenAiUsage } from "./convert-openai-usage.js";
import { openAiChatResponseSchema } from "./openai-api.js";

function fixtureUsage(name: string) {
  const usage = openAiChatResponseSchema.parse(openAiFixture(name)).usage;
  if (!usage) throw new Error(`${name} has no usage`);
  return usage;
}

describe("convertOpenAiUsage", () => {
  it("keeps prompt_tokens as all input and reports cache reads as cached_tokens", () => {
    expect(convertOpenAiUsage(fixtureUsage("openai-text.json"))).toEqual({
      prompt_tokens: 2006,
      completion_tokens: 8,
      total_tokens: 2014,
      prompt_tokens_details: { cached_tokens: 1920 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it("reports an o-series model's reasoning tokens", () => {
    const usage = convertOpenAiUsage(fixtureUsage("openai-reasoning-length.json"));
    expect(usage.completion_tokens_details).toEqual({ reasoning_tokens: 256 });
    expect(usage.prompt_tokens_details).toEqual({ cached_tokens: 1024 });
  });

  it("fills what a compatible server leaves out", () => {
    expect(convertOpenAiUsage({ prompt_tokens: 5, completion_tokens: 7 })).toEqual({
      prompt_tokens: 5,
      completion_tokens: 7,
      total_tokens: 12,
    });
    expect(convertOpenAiUsage({})).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });
});
