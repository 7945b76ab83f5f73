import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../core/chat.js";
import { convertToGoogleMessages } from "./convert-to-google-messages.js";

const options = { provider: "google", signFunctionCalls: false };
const convert = (messages: ChatMessage[], signFunctionCalls = false) =>
  convertToGoogleMessages(messages, { ...options, signFunctionCalls });

const weatherCall = (id: string, city: string): ChatMessage => ({
  role: "assistant",
  content: null,
  tool_calls: [
    { id, type: "function", function: { name: "get_weather", arguments: JSON.stringify({ city }) } },
  ],
});

describe("convertToGoogleMessages", () => {
  it("moves system and developer messages to systemInstruction and keeps user/model turns", () => {
    expect(
      convert([
        { role: "system", content: "Be brief." },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Salut" },
        { role: "user", content: "Capital of Italy?" },
      ]),
    ).toEqual({
      systemInstruction: { parts: [{ text: "Be brief." }, { text: "Answer in French." }] },
      contents: [
        { role: "user", parts: [{ text: "Hi" }] },
        { role: "model", parts: [{ text: "Salut" }] },
        { role: "user", parts: [{ text: "Capital of Italy?" }] },
      ],
    });
  });

  it("sends no systemInstruction when there is no system message", () => {
    expect(convert([{ role: "user", content: "Hi" }])).toEqual({
      contents: [{ role: "user", parts: [{ text: "Hi" }] }],
    });
  });

  it("merges consecutive turns of one role", () => {
    expect(
      convert([
        { role: "user", content: "First" },
        { role: "user", content: [{ type: "text", text: "Second" }] },
        { role: "assistant", content: "A" },
        { role: "assistant", content: "B" },
      ]).contents,
    ).toEqual([
      { role: "user", parts: [{ text: "First" }, { text: "Second" }] },
      { role: "model", parts: [{ text: "A" }, { text: "B" }] },
    ]);
  });

  it("sends data: URL images inline and http(s) URLs as fileData for Gemini to fetch", () => {
    const [content] = convert([
      {
        role: "user",
        content: [
          { type: "text", text: "Compare these" },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          { type: "image_url", image_url: { url: "https://example.com/photos/cat.WEBP?size=large" } },
          { type: "image_url", image_url: { url: "http://example.com/render", detail: "high" } },
          { type: "image_url", image_url: { url: "https://bad host/cat.gif" } },
        ],
      },
    ]).contents;

    expect(content?.parts).toEqual([
      { text: "Compare these" },
      { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
      { fileData: { mimeType: "image/webp", fileUri: "https://example.com/photos/cat.WEBP?size=large" } },
      { fileData: { mimeType: "image/jpeg", fileUri: "http://example.com/render" } },
      // Not ours to judge: Gemini answers for a URL it cannot fetch.
      { fileData: { mimeType: "image/gif", fileUri: "https://bad host/cat.gif" } },
    ]);
  });

  it("refuses image URLs that are neither http(s) nor base64 data", () => {
    for (const url of ["file:///etc/passwd", "data:image/png,not-base64", "ftp://example.com/a.png"]) {
      expect(() => convert([{ role: "user", content: [{ type: "image_url", image_url: { url } }] }])).toThrow(
        expect.objectContaining({ kind: "request", isRetryable: false }),
      );
    }
  });

  it("turns assistant tool calls into functionCall parts and tool results into functionResponse parts", () => {
    const { contents } = convert([
      { role: "user", content: "Weather in Paris and Tokyo?" },
      {
        role: "assistant",
        content: "Let me check.",
        tool_calls: [
          {
            id: "call_a",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
          { id: "call_b", type: "function", function: { name: "get_time", arguments: "" } },
        ],
      },
      { role: "tool", tool_call_id: "call_a", content: '{"temp_c":21}' },
      { role: "tool", tool_call_id: "call_b", content: "14:05" },
    ]);

    expect(contents).toEqual([
      { role: "user", parts: [{ text: "Weather in Paris and Tokyo?" }] },
      {
        role: "model",
        parts: [
          { text: "Let me check." },
          { functionCall: { name: "get_weather", args: { city: "Paris" } } },
          { functionCall: { name: "get_time", args: {} } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "get_weather", response: { temp_c: 21 } } },
          { functionResponse: { name: "get_time", response: { output: "14:05" } } },
        ],
      },
    ]);
  });

  it("wraps tool results that are JSON but not an object", () => {
    const results = convert([
      weatherCall("c1", "Oslo"),
      { role: "tool", tool_call_id: "c1", content: "[1,2]" },
      weatherCall("c2", "Rome"),
      { role: "tool", tool_call_id: "c2", content: [{ type: "text", text: "42" }] },
    ]).contents.flatMap((content) => content.parts.filter((part) => "functionResponse" in part));

    expect(results).toEqual([
      { functionResponse: { name: "get_weather", response: { output: [1, 2] } } },
      { functionResponse: { name: "get_weather", response: { output: 42 } } },
    ]);
  });

  it("finds the function name from the latest earlier call with that id", () => {
    const { contents } = convert([
      { role: "user", content: "x" },
      weatherCall("call_0", "Paris"),
      { role: "tool", tool_call_id: "call_0", content: "{}" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "call_0", type: "function", function: { name: "get_time", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "call_0", content: "{}" },
    ]);

    expect(contents.at(-1)?.parts).toEqual([{ functionResponse: { name: "get_time", response: {} } }]);
  });

  it("refuses a tool result that answers no earlier call", () => {
    expect(() =>
      convert([
        { role: "user", content: "x" },
        { role: "tool", tool_call_id: "call_missing", content: "{}" },
      ]),
    ).toThrow(/tool message call_missing answers no earlier assistant tool call/);
  });

  it("refuses tool call arguments that are not a JSON object", () => {
    for (const args of ["not json", "[1]", "3"]) {
      expect(() =>
        convert([
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: args } }],
          },
        ]),
      ).toThrow(
        expect.objectContaining({ kind: "request", message: expect.stringContaining("JSON object") }),
      );
    }
  });

  it("signs the first function call of each replayed step for models that validate thought signatures", () => {
    const { contents } = convert(
      [
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "a", type: "function", function: { name: "f", arguments: "{}" } },
            { id: "b", type: "function", function: { name: "g", arguments: "{}" } },
          ],
        },
      ],
      true,
    );

    expect(contents[0]?.parts).toEqual([
      { functionCall: { name: "f", args: {} }, thoughtSignature: "skip_thought_signature_validator" },
      { functionCall: { name: "g", args: {} } },
    ]);
  });

  it("sends back the signature Gemini gave a call (extra_content.google.thought_signature), on any model", () => {
    const signed = {
      id: "a",
      type: "function" as const,
      function: { name: "f", arguments: "{}" },
      extra_content: { google: { thought_signature: "CiQBcsjafF0xX2P7kQyJ8vZ1bWQ9" } },
    };
    for (const validates of [true, false]) {
      const { contents } = convert([{ role: "assistant", content: null, tool_calls: [signed] }], validates);
      expect(contents[0]?.parts).toEqual([
        { functionCall: { name: "f", args: {} }, thoughtSignature: "CiQBcsjafF0xX2P7kQyJ8vZ1bWQ9" },
      ]);
    }
  });

  it("drops empty texts rather than sending empty parts", () => {
    expect(
      convert([
        { role: "user", content: "" },
        { role: "assistant", content: null },
        { role: "user", content: [{ type: "text", text: "" }] },
        { role: "user", content: "Hi" },
      ]).contents,
    ).toEqual([{ role: "user", parts: [{ text: "Hi" }] }]);
  });
});
