import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type AnthropicMessageResponse, anthropicMessageResponseSchema } from "./anthropic-api.js";
import { convertAnthropicMessage } from "./convert-anthropic-message.js";

function fixture(name: string): AnthropicMessageResponse {
  const body: unknown = JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8"));
  return anthropicMessageResponseSchema.parse(body);
}

describe("convertAnthropicMessage", () => {
  it("converts a text answer with cache reads and writes in its usage", () => {
    expect(convertAnthropicMessage(fixture("anthropic-text.json"), 1_700_000_000)).toEqual({
      id: "msg_01XFDUDYJgAACzvnptvVoYEL",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "claude-sonnet-4-20250514",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "Hello! How can I help you today?" },
          finish_reason: "stop",
        },
      ],
      usage: {
        prompt_tokens: 3860,
        completion_tokens: 11,
        total_tokens: 3871,
        prompt_tokens_details: {
          cached_tokens: 1800,
          cache_creation_tokens: 2048,
          cache_creation_token_details: { ephemeral_5m_input_tokens: 2048, ephemeral_1h_input_tokens: 0 },
        },
      },
    });
  });

  it("converts a tool_use block into a tool call with JSON arguments", () => {
    const completion = convertAnthropicMessage(fixture("anthropic-tool-use.json"));
    expect(completion.choices[0]).toEqual({
      index: 0,
      message: {
        role: "assistant",
        content: "I'll check the weather in San Francisco.",
        tool_calls: [
          {
            id: "toolu_01A09q90qw90lq917835lq9",
            type: "function",
            function: { name: "get_weather", arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
          },
        ],
      },
      finish_reason: "tool_calls",
    });
  });

  it("converts parallel tool_use blocks in order, with null content", () => {
    const { message } = convertAnthropicMessage(fixture("anthropic-parallel-tool-use.json")).choices[0] ?? {};
    expect(message?.content).toBeNull();
    expect(
      message?.tool_calls?.map((call) => [call.id, call.function.name, call.function.arguments]),
    ).toEqual([
      ["toolu_01HjLnKwHKGo1N3vZg8fYe9F", "get_weather", '{"location":"Paris"}'],
      ["toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_time", '{"timezone":"Europe/Paris"}'],
    ]);
  });

  it("returns the forced json_response tool's input as content, finishing with stop", () => {
    const choice = convertAnthropicMessage(fixture("anthropic-json-tool.json")).choices[0];
    expect(choice?.message).toEqual({
      role: "assistant",
      content: '{"city":"San Francisco","temperature":58,"condition":"sunny"}',
    });
    expect(choice?.finish_reason).toBe("stop");
  });

  it("returns thinking as reasoning_content and thinking_blocks (redacted ones too), and maps max_tokens to length", () => {
    const body = fixture("anthropic-thinking.json");
    const completion = convertAnthropicMessage({
      ...body,
      content: [...body.content, { type: "redacted_thinking", data: "EmwKAhgBEgy3va3pzix" }],
    });
    expect(completion.choices[0]?.message).toEqual({
      role: "assistant",
      content: "42.",
      reasoning_content: "The user wants a short answer.",
      thinking_blocks: [
        {
          type: "thinking",
          thinking: "The user wants a short answer.",
          signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3h",
        },
        { type: "redacted_thinking", data: "EmwKAhgBEgy3va3pzix" },
      ],
    });
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.prompt_tokens).toBe(20);
  });

  it("rejects a malformed known block instead of dropping it", () => {
    const body = { ...fixture("anthropic-text.json"), content: [{ type: "text" }] };
    expect(anthropicMessageResponseSchema.safeParse(body).success).toBe(false);
  });
});
