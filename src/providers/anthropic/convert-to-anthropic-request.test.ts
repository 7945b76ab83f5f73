import { describe, expect, it } from "vitest";
import { defaultCatalog } from "../../config/default-catalog.js";
import type { ChatRequest, FunctionTool } from "../../core/chat.js";
import type { ModelSpec } from "../../core/model-catalog.js";
import { convertToAnthropicRequest } from "./convert-to-anthropic-request.js";

// The catalog entry the gateway really routes to: max_tokens defaults to its ceiling.
const model = defaultCatalog()["claude-sonnet-4"] as ModelSpec;

const weatherTool: FunctionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather",
    parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
  },
};

const convert = (request: Partial<ChatRequest>) =>
  convertToAnthropicRequest("anthropic", model, { messages: [{ role: "user", content: "Hi" }], ...request });

describe("convertToAnthropicRequest", () => {
  it("always sends max_tokens, the catalog's ceiling when the request has none", () => {
    expect(convert({}).max_tokens).toBe(64_000);
    expect(convert({ max_tokens: 256 }).max_tokens).toBe(256);
  });

  it("sends the provider's model id, stop sequences, sampling and user", () => {
    expect(
      convert({
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hi" },
        ],
        stop: "END",
        temperature: 0.3,
        user: "agent-7",
      }),
    ).toEqual({
      model: "claude-sonnet-4-0",
      max_tokens: 64_000,
      system: [{ type: "text", text: "Be brief." }],
      messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
      stop_sequences: ["END"],
      temperature: 0.3,
      metadata: { user_id: "agent-7" },
    });
    expect(convert({ stop: ["a", "b"] }).stop_sequences).toEqual(["a", "b"]);
  });

  it("caps temperature at Anthropic's 1 and sends top_p only without temperature", () => {
    expect(convert({ temperature: 1.7 }).temperature).toBe(1);
    expect(convert({ top_p: 0.9 })).toMatchObject({ top_p: 0.9 });
    const both = convert({ temperature: 0.2, top_p: 0.9 });
    expect(both.temperature).toBe(0.2);
    expect(both.top_p).toBeUndefined();
  });

  it("turns function tools into tools with input_schema", () => {
    expect(convert({ tools: [weatherTool, { type: "function", function: { name: "now" } }] }).tools).toEqual([
      {
        name: "get_weather",
        description: "Current weather",
        input_schema: weatherTool.function.parameters,
      },
      { name: "now", input_schema: { type: "object", properties: {} } },
    ]);
  });

  it.each([
    ["auto", { type: "auto" }],
    ["none", { type: "none" }],
    ["required", { type: "any" }],
    [
      { type: "function", function: { name: "get_weather" } },
      { type: "tool", name: "get_weather" },
    ],
  ] as const)("maps tool_choice %j to %j", (choice, expected) => {
    expect(convert({ tools: [weatherTool], tool_choice: choice }).tool_choice).toEqual(expected);
  });

  it("sends no tool_choice without tools, and none when the request has none", () => {
    expect(convert({ tool_choice: "required" })).not.toHaveProperty("tool_choice");
    expect(convert({ tools: [weatherTool] })).not.toHaveProperty("tool_choice");
  });

  describe("response_format (served by a forced json_response tool)", () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };

    it("forces a tool whose input_schema is the json_schema", () => {
      const body = convert({
        response_format: {
          type: "json_schema",
          json_schema: { name: "city", description: "The city asked about.", schema },
        },
      });
      expect(body.tools).toEqual([
        {
          name: "json_response",
          description:
            "Give your final answer by calling this tool: its input is the JSON answer. The city asked about.",
          input_schema: schema,
        },
      ]);
      expect(body.tool_choice).toEqual({ type: "tool", name: "json_response" });
    });

    it("asks for any object for json_object", () => {
      const body = convert({ response_format: { type: "json_object" } });
      expect(body.tools?.[0]?.input_schema).toEqual({ type: "object" });
      expect(body.tool_choice).toEqual({ type: "tool", name: "json_response" });
    });

    it("sends nothing extra for text", () => {
      expect(convert({ response_format: { type: "text" } })).not.toHaveProperty("tools");
    });

    it("offers the caller's tools beside it and makes the model use one of them all", () => {
      const body = convert({ tools: [weatherTool], response_format: { type: "json_object" } });
      expect(body.tools?.map((tool) => tool.name)).toEqual(["get_weather", "json_response"]);
      expect(body.tool_choice).toEqual({ type: "any" });
      expect(
        convert({ tools: [weatherTool], tool_choice: "none", response_format: { type: "json_object" } })
          .tool_choice,
      ).toEqual({ type: "tool", name: "json_response" });
      expect(
        convert({
          tools: [weatherTool],
          tool_choice: { type: "function", function: { name: "get_weather" } },
          response_format: { type: "json_object" },
        }).tool_choice,
      ).toEqual({ type: "tool", name: "get_weather" });
    });

    it("refuses a caller tool that takes the json_response name", () => {
      expect(() =>
        convert({
          tools: [{ type: "function", function: { name: "json_response" } }],
          response_format: { type: "json_object" },
        }),
      ).toThrow('a tool named "json_response" cannot be combined with a JSON response_format');
    });
  });

  describe("prompt caching and thinking", () => {
    it("carries cache_control on tools, system messages, text parts and message ends, with its TTL", () => {
      const body = convert({
        messages: [
          { role: "system", content: "Rules.", cache_control: { type: "ephemeral", ttl: "1h" } },
          {
            role: "user",
            content: [
              { type: "text", text: "Long document", cache_control: { type: "ephemeral" } },
              { type: "text", text: "Question?" },
            ],
          },
        ],
        tools: [{ ...weatherTool, cache_control: { type: "ephemeral", ttl: "1h" } }],
      });
      expect(body.tools?.[0]?.cache_control).toEqual({ type: "ephemeral", ttl: "1h" });
      expect(body.system).toEqual([
        { type: "text", text: "Rules.", cache_control: { type: "ephemeral", ttl: "1h" } },
      ]);
      expect(body.messages[0]?.content).toEqual([
        { type: "text", text: "Long document", cache_control: { type: "ephemeral" } },
        { type: "text", text: "Question?" },
      ]);
    });

    it("refuses a fifth cache breakpoint, as Anthropic does", () => {
      const marked = { type: "text" as const, text: "x", cache_control: { type: "ephemeral" as const } };
      expect(() =>
        convert({ messages: [{ role: "user", content: [marked, marked, marked, marked, marked] }] }),
      ).toThrow(
        "at most 4 cache breakpoints are allowed (tools, system and content parts together), 5 were given",
      );
      expect(() =>
        convert({ messages: [{ role: "user", content: [marked, marked, marked, marked] }] }),
      ).not.toThrow();
    });

    it("puts thinking blocks sent back first in the assistant turn and forwards thinking", () => {
      const body = convert({
        thinking: { type: "enabled", budget_tokens: 2048 },
        messages: [
          { role: "user", content: "Weather?" },
          {
            role: "assistant",
            content: "Let me check.",
            thinking_blocks: [
              { type: "thinking", thinking: "Need the tool.", signature: "sig-1" },
              { type: "redacted_thinking", data: "opaque" },
            ],
            reasoning_content: "Need the tool.",
            tool_calls: [
              { id: "toolu_1", type: "function", function: { name: "get_weather", arguments: "{}" } },
            ],
          },
          { role: "tool", tool_call_id: "toolu_1", content: "Sunny" },
        ],
      });
      expect(body.thinking).toEqual({ type: "enabled", budget_tokens: 2048 });
      expect(body.messages[1]?.content).toEqual([
        { type: "thinking", thinking: "Need the tool.", signature: "sig-1" },
        { type: "redacted_thinking", data: "opaque" },
        { type: "text", text: "Let me check." },
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: {} },
      ]);
    });

    it("adds breakpoints on a long tool list and system prompt when opted in, and never to a caller's own", () => {
      const longSystem = "Follow these rules. ".repeat(300);
      const request: ChatRequest = {
        messages: [
          { role: "system", content: longSystem },
          { role: "user", content: "Hi" },
        ],
        tools: [weatherTool],
      };
      const auto = convertToAnthropicRequest("anthropic", model, request, { minPromptTokens: 1024 });
      expect(auto.system?.at(-1)?.cache_control).toEqual({ type: "ephemeral" });
      // The single short tool is below the threshold on its own.
      expect(auto.tools?.[0]?.cache_control).toBeUndefined();

      const manyTools = Array.from({ length: 40 }, (_, index) => ({
        ...weatherTool,
        function: { ...weatherTool.function, name: `tool_${index}` },
      }));
      const withTools = convertToAnthropicRequest(
        "anthropic",
        model,
        { ...request, tools: manyTools },
        { minPromptTokens: 1024 },
      );
      expect(withTools.tools?.at(-1)?.cache_control).toEqual({ type: "ephemeral" });
      expect(withTools.tools?.slice(0, -1).some((tool) => tool.cache_control)).toBe(false);

      expect(
        convertToAnthropicRequest("anthropic", model, request).system?.at(-1)?.cache_control,
      ).toBeUndefined();
      const own = convertToAnthropicRequest(
        "anthropic",
        model,
        { ...request, tools: [{ ...weatherTool, cache_control: { type: "ephemeral" } }] },
        { minPromptTokens: 1024 },
      );
      expect(own.system?.at(-1)?.cache_control).toBeUndefined();
    });
  });
});
