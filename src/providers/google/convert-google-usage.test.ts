import { describe, expect, it } from "vitest";
import { convertGoogleUsage } from "./convert-google-usage.js";

describe("convertGoogleUsage", () => {
  it("keeps cached tokens inside prompt_tokens and reports them as cached_tokens", () => {
    expect(
      convertGoogleUsage({
        promptTokenCount: 12050,
        cachedContentTokenCount: 11980,
        candidatesTokenCount: 9,
      }),
    ).toEqual({
      prompt_tokens: 12050,
      completion_tokens: 9,
      total_tokens: 12059,
      prompt_tokens_details: { cached_tokens: 11980 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it("counts thinking tokens as completion tokens and as reasoning tokens", () => {
    const usage = convertGoogleUsage({
      promptTokenCount: 9,
      candidatesTokenCount: 10,
      thoughtsTokenCount: 185,
    });

    expect(usage.completion_tokens).toBe(195);
    expect(usage.total_tokens).toBe(204);
    expect(usage.completion_tokens_details?.reasoning_tokens).toBe(185);
  });

  it("bills tool-use prompt tokens as input", () => {
    const usage = convertGoogleUsage({
      promptTokenCount: 40,
      toolUsePromptTokenCount: 25,
      candidatesTokenCount: 5,
    });

    expect(usage.prompt_tokens).toBe(65);
    expect(usage.total_tokens).toBe(70);
  });

  it("reads a prompt-only usage (blocked prompt) as zero completion tokens", () => {
    expect(convertGoogleUsage({ promptTokenCount: 9, totalTokenCount: 9 })).toMatchObject({
      prompt_tokens: 9,
      completion_tokens: 0,
      total_tokens: 9,
    });
  });
});
