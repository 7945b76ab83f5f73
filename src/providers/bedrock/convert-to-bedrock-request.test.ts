import { describe, expect, it } from "vitest";
import type { ChatRequest } from "../../core/chat.js";
import type { ModelSpec } from "../../core/model-catalog.js";
import { convertToBedrockRequest } from "./convert-to-bedrock-request.js";

const claude: ModelSpec = {
  name: "claude-sonnet-4-bedrock",
  kind: "chat",
  provider: "bedrock",
  providerModelId: "us.anthropic.claude-sonnet-4-20250514-v1:0",
  contextWindow: 200_000,
  maxOutputTokens: 64_000,
  pricing: {
    inputMicroUsdPerMtok: 3_000_000,
    outputMicroUsdPerMtok: 15_000_000,
    cachedInputMicroUsdPerMtok: 300_000,
    cacheWriteMicroUsdPerMtok: 3_750_000,
  },
};
const nova: ModelSpec = {
  ...claude,
  name: "nova-pro",
  providerModelId: "amazon.nova-pro-v1:0",
  maxOutputTokens: 5000,
};
const convert = (request: ChatRequest, model = claude) => convertToBedrockRequest("bedrock", model, request);

describe("convertToBedrockRequest", () => {
  it("system messages go to system; roles merge into alternating turns; max tokens default to the model's", () => {
    const body = convert({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
        { role: "user", content: [{ type: "text", text: "again" }] },
        { role: "developer", content: "Late rule." },
      ],
    });
    expect(body).toEqual({
      system: [{ text: "Be brief." }, { text: "Late rule." }],
      messages: [{ role: "user", content: [{ text: "Hi" }, { text: "again" }] }],
      inferenceConfig: { maxTokens: 64_000 },
    });
  });

  it("cache_control breakpoints become cachePoint blocks after what they mark", () => {
    const body = convert({
      messages: [
        { role: "system", content: "Long rules.", cache_control: { type: "ephemeral" } },
        {
          role: "user",
          content: [
            { type: "text", text: "Doc", cache_control: { type: "ephemeral" } },
            { type: "text", text: "Q" },
          ],
        },
      ],
      tools: [{ type: "function", function: { name: "f" }, cache_control: { type: "ephemeral" } }],
    });
    expect(body.system).toEqual([{ text: "Long rules." }, { cachePoint: { type: "default" } }]);
    expect(body.messages[0]?.content).toEqual([
      { text: "Doc" },
      { cachePoint: { type: "default" } },
      { text: "Q" },
    ]);
    expect(body.toolConfig?.tools).toEqual([
      { toolSpec: { name: "f", inputSchema: { json: { type: "object", properties: {} } } } },
      { cachePoint: { type: "default" } },
    ]);
  });

  it("temperature is clamped; Claude gets temperature without top_p, other models both; top_k as an extra field", () => {
    const request: ChatRequest = {
      messages: [{ role: "user", content: "Hi" }],
      temperature: 1.5,
      top_p: 0.9,
      top_k: 40,
    };
    expect(convert(request)).toMatchObject({
      inferenceConfig: { temperature: 1 },
      additionalModelRequestFields: { top_k: 40 },
    });
    expect(convert(request).inferenceConfig).not.toHaveProperty("topP");
    expect(convert(request, nova).inferenceConfig).toEqual({ maxTokens: 5000, temperature: 1, topP: 0.9 });
  });

  it("tool_choice maps to auto/any/tool; none offers no tools unless the conversation already used them", () => {
    const tools = [{ type: "function" as const, function: { name: "f" } }];
    const messages = [{ role: "user" as const, content: "Hi" }];
    expect(convert({ messages, tools, tool_choice: "auto" }).toolConfig?.toolChoice).toEqual({ auto: {} });
    expect(convert({ messages, tools, tool_choice: "required" }).toolConfig?.toolChoice).toEqual({ any: {} });
    expect(
      convert({ messages, tools, tool_choice: { type: "function", function: { name: "f" } } }).toolConfig
        ?.toolChoice,
    ).toEqual({
      tool: { name: "f" },
    });
    expect(convert({ messages, tools, tool_choice: "none" })).not.toHaveProperty("toolConfig");
    const withHistory = convert({
      tools,
      tool_choice: "none",
      messages: [
        ...messages,
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "t1", content: "done" },
      ],
    });
    expect(withHistory.toolConfig).toEqual({
      tools: [{ toolSpec: { name: "f", inputSchema: { json: { type: "object", properties: {} } } } }],
    });
  });

  it("reasoning_effort on Claude: thinking in additionalModelRequestFields, sampling left out", () => {
    const body = convert({
      messages: [{ role: "user", content: "Think" }],
      reasoning_effort: "medium",
      max_tokens: 2000,
      temperature: 0.3,
      top_k: 5,
    });
    expect(body.additionalModelRequestFields).toEqual({ thinking: { type: "enabled", budget_tokens: 8192 } });
    expect(body.inferenceConfig).toEqual({ maxTokens: 10_192 });
  });

  it("thinking blocks go back first in the assistant turn as reasoningContent", () => {
    const body = convert({
      messages: [
        { role: "user", content: "Hi" },
        {
          role: "assistant",
          content: "Answer",
          thinking_blocks: [{ type: "thinking", thinking: "hmm", signature: "sig" }],
        },
        { role: "user", content: "More" },
      ],
    });
    expect(body.messages[1]?.content).toEqual([
      { reasoningContent: { reasoningText: { text: "hmm", signature: "sig" } } },
      { text: "Answer" },
    ]);
  });

  it("refuses what Converse cannot carry with a request error: image URLs, arguments that are not an object, no turns", () => {
    expect(() =>
      convert({
        messages: [
          { role: "user", content: [{ type: "image_url", image_url: { url: "https://x.test/a.png" } }] },
        ],
      }),
    ).toThrow(/Bedrock takes no image URLs/);
    expect(() =>
      convert({
        messages: [
          { role: "user", content: "Hi" },
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "[1]" } }],
          },
        ],
      }),
    ).toThrow(/must be a JSON object/);
    expect(() => convert({ messages: [{ role: "system", content: "Only rules" }] })).toThrow(
      /at least one user/,
    );
  });

  it("auto cache points after a long tool list and system prompt, unless the caller placed some; at most four", () => {
    const longText = "rule ".repeat(2000);
    const request: ChatRequest = {
      messages: [
        { role: "system", content: longText },
        { role: "user", content: "Hi" },
      ],
      tools: [{ type: "function", function: { name: "f", description: longText } }],
    };
    const body = convertToBedrockRequest("bedrock", claude, request, { minPromptTokens: 1024 });
    expect(body.toolConfig?.tools.at(-1)).toEqual({ cachePoint: { type: "default" } });
    expect(body.system?.at(-1)).toEqual({ cachePoint: { type: "default" } });
    const callerPlaced = convertToBedrockRequest(
      "bedrock",
      claude,
      { ...request, messages: [{ role: "user", content: "Hi", cache_control: { type: "ephemeral" } }] },
      { minPromptTokens: 1024 },
    );
    expect(callerPlaced.system).toBeUndefined();
    expect(callerPlaced.toolConfig?.tools).toHaveLength(1);
    expect(
      convertToBedrockRequest(
        "bedrock",
        { ...claude, providerModelId: "meta.llama3-70b-instruct-v1:0" },
        request,
        {
          minPromptTokens: 1024,
        },
      ).system,
    ).toEqual([{ text: longText }]);
    const five = Array.from({ length: 5 }, (_, index) => ({
      type: "text" as const,
      text: `part ${index}`,
      cache_control: { type: "ephemeral" as const },
    }));
    expect(() => convert({ messages: [{ role: "user", content: five }] })).toThrow(
      /at most 4 cache breakpoints/,
    );
  });
});
