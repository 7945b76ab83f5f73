import { describe, expect, it } from "vitest";
import { hoistAnthropicSystemMessages } from "./hoist-anthropic-system-messages.js";

describe("hoistAnthropicSystemMessages", () => {
  it("moves system messages, in order, to the end of system blocks; the rest stays as sent", () => {
    const body = {
      model: "claude-opus-4-5",
      max_tokens: 100,
      system: [{ type: "text", text: "You are Claude Code.", cache_control: { type: "ephemeral" } }],
      messages: [
        {
          role: "user",
          content: [{ type: "text", text: "Say hello.", cache_control: { type: "ephemeral" } }],
        },
        { role: "system", content: "# MCP Server Instructions" },
        { role: "assistant", content: [{ type: "thinking", thinking: "t", signature: "s" }] },
        { role: "user", content: "Again." },
        {
          role: "system",
          content: [
            { type: "text", text: "Answer in French." },
            { type: "text", text: "Be brief." },
          ],
          cache_control: { type: "ephemeral" },
        },
      ],
      thinking: { type: "adaptive" },
    };
    expect(hoistAnthropicSystemMessages(body)).toEqual({
      model: "claude-opus-4-5",
      max_tokens: 100,
      system: [
        { type: "text", text: "You are Claude Code.", cache_control: { type: "ephemeral" } },
        { type: "text", text: "# MCP Server Instructions" },
        { type: "text", text: "Answer in French." },
        // The message's own breakpoint marks its last block, so the count of breakpoints stays.
        { type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } },
      ],
      messages: [body.messages[0], body.messages[2], body.messages[3]],
      thinking: { type: "adaptive" },
    });
    // The client's body is not changed.
    expect(body.messages).toHaveLength(5);
  });

  it("turns a string system into a block, and starts one where there is none", () => {
    const messages = [
      { role: "user", content: "Hi" },
      { role: "system", content: "Be brief." },
    ];
    expect(hoistAnthropicSystemMessages({ system: "Be kind.", messages })).toEqual({
      system: [
        { type: "text", text: "Be kind." },
        { type: "text", text: "Be brief." },
      ],
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(hoistAnthropicSystemMessages({ messages }).system).toEqual([{ type: "text", text: "Be brief." }]);
  });

  it("returns a body without system messages as it is", () => {
    const body = { system: "Be kind.", messages: [{ role: "user", content: "Hi" }] };
    expect(hoistAnthropicSystemMessages(body)).toBe(body);
  });
});
