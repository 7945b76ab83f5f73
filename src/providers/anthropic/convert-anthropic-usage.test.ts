import { describe, expect, it } from "vitest";
import { convertAnthropicUsage, mergeAnthropicUsage } from "./convert-anthropic-usage.js";

describe("convertAnthropicUsage", () => {
  it("counts fresh input, cache reads and cache writes as prompt tokens", () => {
    expect(
      convertAnthropicUsage({
        input_tokens: 12,
        cache_creation_input_tokens: 2048,
        cache_read_input_tokens: 1800,
        output_tokens: 11,
      }),
    ).toEqual({
      prompt_tokens: 3860,
      completion_tokens: 11,
      total_tokens: 3871,
      prompt_tokens_details: {
        cached_tokens: 1800,
        cache_creation_tokens: 2048,
        cache_creation_token_details: { ephemeral_5m_input_tokens: 2048, ephemeral_1h_input_tokens: 0 },
      },
    });
  });

  it("splits cache writes by TTL as Anthropic reports them", () => {
    const usage = convertAnthropicUsage({
      input_tokens: 5,
      cache_creation_input_tokens: 3000,
      cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
      output_tokens: 1,
    });
    expect(usage.prompt_tokens_details?.cache_creation_token_details).toEqual({
      ephemeral_5m_input_tokens: 1000,
      ephemeral_1h_input_tokens: 2000,
    });
  });

  it("treats absent cache counters as zero", () => {
    expect(convertAnthropicUsage({ input_tokens: 20, output_tokens: 64 })).toEqual({
      prompt_tokens: 20,
      completion_tokens: 64,
      total_tokens: 84,
      prompt_tokens_details: { cached_tokens: 0, cache_creation_tokens: 0 },
    });
  });
});

describe("mergeAnthropicUsage", () => {
  it("keeps message_start's input counts when message_delta reports only output", () => {
    expect(
      mergeAnthropicUsage(
        { input_tokens: 472, cache_read_input_tokens: 30, output_tokens: 2 },
        { output_tokens: 89 },
      ),
    ).toEqual({
      input_tokens: 472,
      cache_read_input_tokens: 30,
      cache_creation_input_tokens: undefined,
      output_tokens: 89,
    });
  });

  it("lets message_delta's whole-message totals win", () => {
    expect(
      mergeAnthropicUsage(
        { input_tokens: 10, cache_creation_input_tokens: 0, output_tokens: 1 },
        {
          input_tokens: 12,
          cache_creation_input_tokens: 100,
          cache_read_input_tokens: null,
          output_tokens: 30,
        },
      ),
    ).toEqual({
      input_tokens: 12,
      cache_creation_input_tokens: 100,
      cache_read_input_tokens: undefined,
      output_tokens: 30,
    });
  });

  it("starts from nothing when message_start carried no usage", () => {
    expect(mergeAnthropicUsage(undefined, { output_tokens: 5 }).output_tokens).toBe(5);
  });
});
