import { describe, expect, it } from "vitest";
import type { ChatRequest, FunctionTool } from "../../core/chat.js";
import { convertToGoogleRequest, needsThoughtSignatures } from "./convert-to-google-request.js";

const context = { provider: "google", modelId: "gemini-2.5-flash" };
const hello: ChatRequest = { messages: [{ role: "user", content: "Hi" }] };
const weatherTool: FunctionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, unit: { type: ["string", "null"], enum: ["c", "f", null] } },
      required: ["city"],
      additionalProperties: false,
    },
  },
};

describe("convertToGoogleRequest", () => {
  it("sends only contents for a bare request", () => {
    expect(convertToGoogleRequest(hello, context)).toEqual({
      contents: [{ role: "user", parts: [{ text: "Hi" }] }],
    });
  });

  it("maps sampling options into generationConfig", () => {
    expect(
      convertToGoogleRequest({ ...hello, max_tokens: 256, temperature: 0, top_p: 0.9, stop: "END" }, context)
        .generationConfig,
    ).toEqual({ maxOutputTokens: 256, temperature: 0, topP: 0.9, stopSequences: ["END"] });
    expect(convertToGoogleRequest({ ...hello, stop: ["a", "b"] }, context).generationConfig).toEqual({
      stopSequences: ["a", "b"],
    });
  });

  it("asks for JSON in JSON mode and passes a JSON schema as responseJsonSchema", () => {
    expect(
      convertToGoogleRequest({ ...hello, response_format: { type: "json_object" } }, context)
        .generationConfig,
    ).toEqual({ responseMimeType: "application/json" });
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    expect(
      convertToGoogleRequest(
        {
          ...hello,
          response_format: { type: "json_schema", json_schema: { name: "answer", schema, strict: true } },
        },
        context,
      ).generationConfig,
    ).toEqual({ responseMimeType: "application/json", responseJsonSchema: schema });
    expect(
      convertToGoogleRequest({ ...hello, response_format: { type: "text" } }, context).generationConfig,
    ).toBeUndefined();
  });

  it("declares tools with their JSON Schema as parametersJsonSchema", () => {
    const body = convertToGoogleRequest(
      { ...hello, tools: [weatherTool, { type: "function", function: { name: "now" } }] },
      context,
    );

    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: "get_weather",
            description: "Current weather for a city",
            parametersJsonSchema: weatherTool.function.parameters,
          },
          { name: "now" },
        ],
      },
    ]);
    expect(body.toolConfig).toBeUndefined();
  });

  it.each([
    ["none", { mode: "NONE" }],
    ["auto", { mode: "AUTO" }],
    ["required", { mode: "ANY" }],
    [
      { type: "function", function: { name: "get_weather" } },
      { mode: "ANY", allowedFunctionNames: ["get_weather"] },
    ],
  ] as const)("maps tool_choice %j to functionCallingConfig %j", (toolChoice, expected) => {
    expect(
      convertToGoogleRequest({ ...hello, tools: [weatherTool], tool_choice: toolChoice }, context).toolConfig,
    ).toEqual({ functionCallingConfig: expected });
  });

  it("sends no toolConfig when there are no tools to choose from", () => {
    expect(convertToGoogleRequest({ ...hello, tool_choice: "required" }, context).toolConfig).toBeUndefined();
  });

  it("signs replayed function calls only for Gemini 3 and later", () => {
    expect(needsThoughtSignatures("gemini-2.5-pro")).toBe(false);
    expect(needsThoughtSignatures("gemini-3-pro-preview")).toBe(true);
    expect(needsThoughtSignatures("models/gemini-3.1-flash")).toBe(true);
    expect(needsThoughtSignatures("gemini-10-ultra")).toBe(true);
    expect(needsThoughtSignatures("learnlm-2.0-flash")).toBe(false);

    const replay: ChatRequest = {
      messages: [
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }],
        },
      ],
    };
    expect(
      convertToGoogleRequest(replay, { ...context, modelId: "gemini-3-pro-preview" }).contents[0]?.parts,
    ).toEqual([
      { functionCall: { name: "f", args: {} }, thoughtSignature: "skip_thought_signature_validator" },
    ]);
    expect(convertToGoogleRequest(replay, context).contents[0]?.parts).toEqual([
      { functionCall: { name: "f", args: {} } },
    ]);
  });
});
