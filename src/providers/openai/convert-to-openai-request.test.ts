import { describe, expect, it } from "vitest";
import type { ChatRequest } from "../../core/chat.js";
import { testModel } from "./__fixtures__/openai-fixtures.js";
import { convertToOpenAiRequest } from "./convert-to-openai-request.js";

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

describe("convertToOpenAiRequest", () => {
  it("passes every OpenAI field through and sends the provider's model id", () => {
    const request: ChatRequest = {
      messages: [
        { role: "system", content: "Be brief." },
        {
          role: "user",
          content: [
            { type: "text", text: "What is in this image?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" } },
          ],
        },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "18°C" },
      ],
      max_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      stop: ["\n\n"],
      tools: [weatherTool],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      response_format: { type: "json_object" },
      user: "agent-7",
    };
    const body = convertToOpenAiRequest(request, {
      model: testModel({ providerModelId: "gpt-4.1-2025-04-14" }),
      stream: false,
      supportsDeveloperRole: true,
    });
    expect(body).toEqual({ ...request, model: "gpt-4.1-2025-04-14" });
    expect(body).not.toHaveProperty("stream");
    expect(body).not.toHaveProperty("stream_options");
  });

  it("always asks for usage when streaming", () => {
    const body = convertToOpenAiRequest(
      { messages: [{ role: "user", content: "hi" }] },
      { model: testModel(), stream: true, supportsDeveloperRole: true },
    );
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_usage: true });
  });

  it("sends max_completion_tokens and no sampling knobs to reasoning models", () => {
    const body = convertToOpenAiRequest(
      { messages: [{ role: "user", content: "hi" }], max_tokens: 500, temperature: 0.7, top_p: 0.5 },
      {
        model: testModel({ providerModelId: "o4-mini", usesMaxCompletionTokens: true }),
        stream: false,
        supportsDeveloperRole: true,
      },
    );
    expect(body.max_completion_tokens).toBe(500);
    expect(body).not.toHaveProperty("max_tokens");
    expect(body).not.toHaveProperty("temperature");
    expect(body).not.toHaveProperty("top_p");
  });

  it("passes a JSON schema response_format as it is", () => {
    const responseFormat = {
      type: "json_schema" as const,
      json_schema: {
        name: "city",
        schema: { type: "object", properties: { name: { type: "string" } } },
        strict: true,
      },
    };
    const body = convertToOpenAiRequest(
      { messages: [{ role: "user", content: "hi" }], response_format: responseFormat },
      { model: testModel(), stream: false, supportsDeveloperRole: true },
    );
    expect(body.response_format).toEqual(responseFormat);
  });

  it("keeps the developer role for OpenAI and makes it system for upstreams without it", () => {
    const request: ChatRequest = { messages: [{ role: "developer", content: "Answer in French." }] };
    const openAi = convertToOpenAiRequest(request, {
      model: testModel(),
      stream: false,
      supportsDeveloperRole: true,
    });
    const other = convertToOpenAiRequest(request, {
      model: testModel(),
      stream: false,
      supportsDeveloperRole: false,
    });
    expect(openAi.messages[0]?.role).toBe("developer");
    expect(other.messages[0]).toEqual({ role: "system", content: "Answer in French." });
  });

  it("leaves Anthropic's cache breakpoints, Gemini's signatures and thinking sent back behind", () => {
    const body = convertToOpenAiRequest(
      {
        messages: [
          {
            role: "system",
            content: [{ type: "text", text: "Rules", cache_control: { type: "ephemeral" } }],
          },
          {
            role: "assistant",
            content: null,
            reasoning_content: "thought",
            thinking_blocks: [{ type: "thinking", thinking: "thought", signature: "s" }],
            tool_calls: [
              {
                id: "c1",
                type: "function",
                function: { name: "get_weather", arguments: "{}" },
                extra_content: { google: { thought_signature: "sig" } },
              },
            ],
          },
        ],
        tools: [{ ...weatherTool, cache_control: { type: "ephemeral", ttl: "1h" } }],
      },
      { model: testModel(), stream: false, supportsDeveloperRole: true },
    );
    expect(body.messages).toEqual([
      { role: "system", content: [{ type: "text", text: "Rules" }] },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: "{}" } }],
      },
    ]);
    expect(body.tools).toEqual([weatherTool]);
  });

  it("leaves out what the caller did not set", () => {
    const body = convertToOpenAiRequest(
      { messages: [{ role: "user", content: "hi" }], tools: [] },
      { model: testModel(), stream: false, supportsDeveloperRole: true },
    );
    expect(Object.keys(body).sort()).toEqual(["messages", "model"]);
  });
});
