import { describe, expect, it } from "vitest";
import { isUpstreamError } from "../../core/upstream-error.js";
import { convertToAnthropicMessages } from "./convert-to-anthropic-messages.js";

describe("convertToAnthropicMessages", () => {
  it("moves system and developer messages, wherever they stand, to system", () => {
    const prompt = convertToAnthropicMessages("anthropic", [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
      { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
    ]);
    expect(prompt.system).toEqual([
      { type: "text", text: "Be brief." },
      { type: "text", text: "Answer in French." },
    ]);
    expect(prompt.messages).toEqual([{ role: "user", content: [{ type: "text", text: "Hi" }] }]);
  });

  it("for a model that takes system turns, keeps a later system message where it stands", () => {
    const prompt = convertToAnthropicMessages(
      "anthropic",
      [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Read a" },
        { role: "system", content: "Use the gw tools.", cache_control: { type: "ephemeral" } },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "t1", type: "function", function: { name: "Read", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "t1", content: "contents" },
        { role: "developer", content: "Answer in French." },
        { role: "system", content: [{ type: "text", text: "Cite the file." }] },
      ],
      { midConversationSystemMessages: true },
    );
    expect(prompt.system).toEqual([{ type: "text", text: "Be brief." }]);
    expect(prompt.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Read a" }] },
      {
        role: "system",
        content: [{ type: "text", text: "Use the gw tools.", cache_control: { type: "ephemeral" } }],
      },
      { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "Read", input: {} }] },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "contents" }] }],
      },
      // A run of system messages is one system turn: Anthropic refuses two in a row.
      {
        role: "system",
        content: [
          { type: "text", text: "Answer in French." },
          { type: "text", text: "Cite the file." },
        ],
      },
    ]);
  });

  it("for a model that takes system turns, sends to system what Anthropic would refuse in place", () => {
    const prompt = convertToAnthropicMessages(
      "anthropic",
      [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello" },
        { role: "system", content: "After an assistant turn." },
        { role: "user", content: "Again" },
        { role: "system", content: "Before a user turn." },
        { role: "user", content: "And again" },
      ],
      { midConversationSystemMessages: true },
    );
    expect(prompt.system).toEqual([
      { type: "text", text: "After an assistant turn." },
      { type: "text", text: "Before a user turn." },
    ]);
    expect(prompt.messages.map((message) => message.role)).toEqual(["user", "assistant", "user"]);
  });

  it("leaves system out when there is none", () => {
    expect(convertToAnthropicMessages("anthropic", [{ role: "user", content: "Hi" }]).system).toBeUndefined();
  });

  it("turns data: URLs into base64 sources and http(s) URLs into url sources", () => {
    const { messages } = convertToAnthropicMessages("anthropic", [
      {
        role: "user",
        content: [
          { type: "text", text: "What is in these?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          { type: "image_url", image_url: { url: "https://example.com/cat.jpg", detail: "high" } },
        ],
      },
    ]);
    expect(messages[0]?.content).toEqual([
      { type: "text", text: "What is in these?" },
      { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
      { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
    ]);
  });

  it("rejects an image URL that is neither data: nor http(s), naming the field", () => {
    let thrown: unknown;
    try {
      convertToAnthropicMessages("anthropic", [
        { role: "user", content: [{ type: "image_url", image_url: { url: "ftp://example.com/a.png" } }] },
      ]);
    } catch (error) {
      thrown = error;
    }
    expect(isUpstreamError(thrown) && thrown.kind).toBe("request");
    expect(isUpstreamError(thrown) && thrown.isRetryable).toBe(false);
    expect((thrown as Error).message).toContain("messages[0].content[0].image_url.url");
  });

  it("turns assistant tool_calls into tool_use blocks and tool messages into one user turn of tool_results", () => {
    const { messages } = convertToAnthropicMessages("anthropic", [
      { role: "user", content: "Weather and time in Paris?" },
      {
        role: "assistant",
        content: "Checking both.",
        tool_calls: [
          {
            id: "toolu_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"location":"Paris"}' },
          },
          { id: "toolu_2", type: "function", function: { name: "get_time", arguments: "" } },
        ],
      },
      { role: "tool", tool_call_id: "toolu_1", content: "18C, sunny" },
      { role: "tool", tool_call_id: "toolu_2", content: [{ type: "text", text: "14:05" }] },
      { role: "user", content: "Thanks! And tomorrow?" },
    ]);
    expect(messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Weather and time in Paris?" }] },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Checking both." },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { location: "Paris" } },
          { type: "tool_use", id: "toolu_2", name: "get_time", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "18C, sunny" }] },
          { type: "tool_result", tool_use_id: "toolu_2", content: [{ type: "text", text: "14:05" }] },
          { type: "text", text: "Thanks! And tomorrow?" },
        ],
      },
    ]);
  });

  it("merges consecutive same-role turns and drops empty text, which Anthropic rejects", () => {
    const { messages } = convertToAnthropicMessages("anthropic", [
      { role: "user", content: "First" },
      { role: "user", content: "Second" },
      {
        role: "assistant",
        content: "",
        tool_calls: [{ id: "toolu_9", type: "function", function: { name: "noop", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "toolu_9", content: "" },
    ]);
    expect(messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "First" },
          { type: "text", text: "Second" },
        ],
      },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_9", name: "noop", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_9" }] },
    ]);
  });

  it.each(["not json", "[1,2]", "42"])(
    "rejects tool call arguments %j that are not a JSON object",
    (args) => {
      expect(() =>
        convertToAnthropicMessages("anthropic", [
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "toolu_1", type: "function", function: { name: "f", arguments: args } }],
          },
        ]),
      ).toThrow("messages[0].tool_calls[0].function.arguments must be a JSON object");
    },
  );
});
