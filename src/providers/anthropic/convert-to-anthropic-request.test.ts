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
});
