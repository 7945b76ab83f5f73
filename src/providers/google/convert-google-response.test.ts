import { describe, expect, it } from "vitest";
import { googleFixture } from "./__fixtures__/google-fixtures.js";
import { convertGoogleResponse } from "./convert-google-response.js";
import { googleGenerateContentResponseSchema } from "./google-api.js";

const context = {
  provider: "google",
  url: "http://fake/v1beta/models/m:generateContent",
  modelId: "gemini-x",
};
const convertFixture = (name: string) =>
  convertGoogleResponse(googleGenerateContentResponseSchema.parse(googleFixture(name)), context);

describe("convertGoogleResponse", () => {
  it("converts a text answer with thinking usage", () => {
    const completion = convertFixture("google-text.json");

    expect(completion).toMatchObject({
      id: "chatcmpl-Yx9aaPjzLNy8nsEP0ZeRyQ8",
      object: "chat.completion",
      model: "gemini-2.5-flash",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "The capital of France is Paris." },
          finish_reason: "stop",
        },
      ],
      usage: {
        prompt_tokens: 8,
        completion_tokens: 33,
        total_tokens: 41,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 26 },
      },
    });
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
    expect(completion.created).toBeGreaterThan(1_700_000_000);
  });

  it("reports cached prompt tokens", () => {
    expect(convertFixture("google-cached-usage.json").usage).toEqual({
      prompt_tokens: 12050,
      completion_tokens: 9,
      total_tokens: 12059,
      prompt_tokens_details: { cached_tokens: 11980 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it("returns a function call as a tool call with a synthesized id, its thought signature in extra_content, and finish_reason tool_calls", () => {
    const [choice] = convertFixture("google-tool-call.json").choices;

    expect(choice).toEqual({
      index: 0,
      message: {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_k2BaaO2aGp7T1PIP9rK5eA_0",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' },
            extra_content: { google: { thought_signature: "CiQBcsjafF0xX2P7kQyJ8vZ1bWQ9" } },
          },
        ],
      },
      finish_reason: "tool_calls",
    });
  });

  it("returns parallel calls in order, keeping an upstream id where Gemini sent one", () => {
    const { message, finish_reason } = convertFixture("google-parallel-tool-calls.json").choices[0] ?? {};

    expect(finish_reason).toBe("tool_calls");
    expect(message?.content).toBe("Checking both cities.");
    expect(message?.tool_calls).toEqual([
      {
        id: "call_parallelcallsid_0",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Paris"}' },
      },
      {
        id: "fc-upstream-7",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Tokyo"}' },
      },
      { id: "call_parallelcallsid_2", type: "function", function: { name: "get_time", arguments: "{}" } },
    ]);
  });

  it("keeps thought summaries apart from the answer", () => {
    const { message } = convertFixture("google-thinking.json").choices[0] ?? {};

    expect(message?.content).toBe("There are 3 r's in strawberry.");
    expect(message?.reasoning_content).toBe("**Counting letters**\n\nThe word has three r's.");
  });

  it("passes a JSON-mode answer through as its text", () => {
    const content = convertFixture("google-json-mode.json").choices[0]?.message.content;

    expect(JSON.parse(content ?? "")).toEqual({ languages: [{ name: "Python" }, { name: "Go" }] });
  });

  it.each([
    ["google-max-tokens.json", "length", "Once upon a time, in a"],
    ["google-safety.json", "content_filter", null],
    ["google-prompt-blocked.json", "content_filter", null],
  ])("maps %s to finish_reason %s", (fixture, finishReason, content) => {
    const completion = convertFixture(fixture);

    expect(completion.choices[0]?.finish_reason).toBe(finishReason);
    expect(completion.choices[0]?.message.content).toBe(content);
  });

  it("books the prompt of a blocked request", () => {
    expect(convertFixture("google-prompt-blocked.json").usage).toMatchObject({
      prompt_tokens: 9,
      total_tokens: 9,
    });
  });

  it("falls back to the requested model id and a generated id when Gemini sends neither", () => {
    const completion = convertGoogleResponse(
      { candidates: [{ content: { parts: [{ text: "ok" }] }, finishReason: "STOP" }] },
      context,
    );

    expect(completion.model).toBe("gemini-x");
    expect(completion.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect(completion.usage).toBeUndefined();
  });

  it("rejects an answer with neither a candidate nor a block reason as invalid_response", () => {
    expect(() => convertGoogleResponse({ usageMetadata: { promptTokenCount: 3 } }, context)).toThrow(
      expect.objectContaining({ kind: "invalid_response", isRetryable: true }),
    );
  });
});
