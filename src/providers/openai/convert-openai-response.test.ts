import { describe, expect, it } from "vitest";
import { isUpstreamError } from "../../core/upstream-error.js";
import { openAiFixture } from "./__fixtures__/openai-fixtures.js";
import { convertOpenAiResponse } from "./convert-openai-response.js";
import { convertOpenAiUsage } from "./convert-openai-usage.js";
import { openAiChatResponseSchema } from "./openai-api.js";

const context = {
  provider: "openai",
  url: "https://api.openai.com/v1/chat/completions",
  modelId: "gpt-4.1",
  convertUsage: convertOpenAiUsage,
};

function convertFixture(name: string) {
  return convertOpenAiResponse(openAiChatResponseSchema.parse(openAiFixture(name)), context);
}

describe("convertOpenAiResponse", () => {
  it("converts a text answer with the model OpenAI reported and cached usage", () => {
    expect(convertFixture("openai-text.json")).toEqual({
      id: "chatcmpl-D8Z5f52zQqikDBEKQMQoYcWMcWPeU",
      object: "chat.completion",
      created: 1770933883,
      model: "gpt-4.1-2025-04-14",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "Paris is the capital of France." },
          finish_reason: "stop",
        },
      ],
      usage: {
        prompt_tokens: 2006,
        completion_tokens: 8,
        total_tokens: 2014,
        prompt_tokens_details: { cached_tokens: 1920 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
  });

  it("converts parallel tool calls", () => {
    const choice = convertFixture("openai-tool-calls.json").choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.tool_calls).toEqual([
      {
        id: "call_q8mHh1VvZ1n6sE4tq2GZxYyJ",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Paris"}' },
      },
      {
        id: "call_Wc3rT0pQhN5bL9kXa7yUeD2F",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Tokyo"}' },
      },
    ]);
  });

  it("keeps a JSON-mode answer as its JSON text", () => {
    const content = convertFixture("openai-json-mode.json").choices[0]?.message.content;
    expect(JSON.parse(content ?? "")).toEqual({ city: "Paris", country: "France" });
  });

  it("reports length, content_filter and a refusal", () => {
    const reasoning = convertFixture("openai-reasoning-length.json");
    expect(reasoning.choices[0]?.finish_reason).toBe("length");
    expect(reasoning.usage?.completion_tokens_details).toEqual({ reasoning_tokens: 256 });
    expect(convertFixture("openai-content-filter.json").choices[0]?.finish_reason).toBe("content_filter");
    expect(convertFixture("openai-refusal.json").choices[0]?.message.content).toBe(
      "I'm sorry, I can't help with that request.",
    );
  });

  it("passes DeepSeek's reasoning_content through", () => {
    const message = convertFixture("deepseek-reasoning.json").choices[0]?.message;
    expect(message).toEqual({
      role: "assistant",
      content: "There are 3.",
      reasoning_content: "Count the r's in strawberry.",
    });
  });

  it("fills ids, model and tool-call ids a compatible server leaves out", () => {
    const completion = convertOpenAiResponse(
      openAiChatResponseSchema.parse({
        choices: [
          {
            message: { content: null, tool_calls: [{ function: { name: "lookup", arguments: "{}" } }] },
            finish_reason: "stop",
          },
        ],
      }),
      context,
    );
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.model).toBe("gpt-4.1");
    expect(completion.usage).toBeUndefined();
    expect(completion.choices[0]?.message.tool_calls?.[0]?.id).toMatch(/^call_\w{24}$/);
    // Older Ollama says `stop` for a tool-call answer.
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("throws invalid_response on an answer without choices", () => {
    let caught: unknown;
    try {
      convertOpenAiResponse(openAiChatResponseSchema.parse({ choices: [] }), context);
    } catch (error) {
      caught = error;
    }
    expect(isUpstreamError(caught) && caught.kind).toBe("invalid_response");
  });
});
