import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../core/gateway-error.js";
import { parseBody } from "../openai/parse-body.js";
import { anthropicMessagesRequestSchema } from "./anthropic-messages-schema.js";
import { convertMessagesRequest } from "./convert-messages-request.js";

const convert = (body: Record<string, unknown>) =>
  convertMessagesRequest(anthropicMessagesRequestSchema.parse({ model: "m", max_tokens: 100, ...body }));

function refusalOf(body: Record<string, unknown>): { param: string | undefined; message: string } {
  try {
    convert(body);
  } catch (error) {
    if (error instanceof GatewayError) return { param: error.param, message: error.message };
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("convertMessagesRequest", () => {
  it("translates what Claude Code sends; cache_control, thinking and effort are hints it ignores", () => {
    const request = convert({
      max_tokens: 32_000,
      system: [
        { type: "text", text: "You are Claude Code." },
        { type: "text", text: "Be careful.", cache_control: { type: "ephemeral" } },
      ],
      messages: [
        { role: "user", content: [{ type: "text", text: "Read a", cache_control: { type: "ephemeral" } }] },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "I should read it", signature: "sig" },
            { type: "text", text: "Reading." },
            { type: "tool_use", id: "toolu_1", name: "Read", input: { file_path: "a" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "contents" }] },
            { type: "text", text: "Now summarise" },
          ],
        },
      ],
      tools: [
        {
          name: "Read",
          description: "Reads a file",
          input_schema: { type: "object", properties: { file_path: { type: "string" } } },
          cache_control: { type: "ephemeral" },
        },
      ],
      tool_choice: { type: "any" },
      metadata: { user_id: '{"session":"s1"}' },
      thinking: { type: "enabled", budget_tokens: 31_999 },
      output_config: { effort: "high" },
      context_management: { edits: [] },
      temperature: 1,
      top_p: 0.9,
      stop_sequences: ["</done>"],
    });
    expect(request).toEqual({
      messages: [
        { role: "system", content: "You are Claude Code.\n\nBe careful." },
        { role: "user", content: "Read a" },
        {
          role: "assistant",
          content: "Reading.",
          tool_calls: [
            { id: "toolu_1", type: "function", function: { name: "Read", arguments: '{"file_path":"a"}' } },
          ],
        },
        { role: "tool", tool_call_id: "toolu_1", content: "contents" },
        { role: "user", content: "Now summarise" },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "Read",
            description: "Reads a file",
            parameters: { type: "object", properties: { file_path: { type: "string" } } },
          },
        },
      ],
      tool_choice: "required",
      max_tokens: 32_000,
      temperature: 1,
      top_p: 0.9,
      stop: ["</done>"],
      user: '{"session":"s1"}',
    });
  });

  it("images become image_url parts; a failed tool result says so in its text", () => {
    const request = convert({
      tool_choice: { type: "tool", name: "Read" },
      output_config: { format: { type: "json_schema", schema: { type: "object" } } },
      messages: [
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "t1", content: "no such file", is_error: true },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBOR" } },
            { type: "image", source: { type: "url", url: "https://example.com/a.png" } },
          ],
        },
      ],
    });
    expect(request.messages).toEqual([
      { role: "tool", tool_call_id: "t1", content: "Error: no such file" },
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBOR" } },
          { type: "image_url", image_url: { url: "https://example.com/a.png" } },
        ],
      },
    ]);
    expect(request.tool_choice).toEqual({ type: "function", function: { name: "Read" } });
    expect(request.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "output", schema: { type: "object" }, strict: true },
    });
  });

  it.each(untranslatable())("refuses %j with a 400 naming %s", (body, param) => {
    const refusal = refusalOf({ messages: [{ role: "user", content: "Hi" }], ...body });
    expect(refusal.param).toBe(param);
    expect(refusal.message).toContain(param);
  });

  it("the README's table names everything the translation cannot carry", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const row = readme.split("\n").find((line) => line.includes("| cannot: those deployments are skipped"));
    for (const [, , readmeName] of untranslatable()) expect(row).toContain(readmeName);
  });

  it("a system message inside `messages` stays a system message at its place (Claude Code's MCP instructions)", () => {
    const request = convert({
      system: "You are Claude Code.",
      messages: [
        { role: "user", content: "Say hello." },
        { role: "system", content: "# MCP Server Instructions\n\nUse chat_completion." },
        { role: "assistant", content: "Hello." },
        { role: "user", content: [{ type: "text", text: "Again." }] },
        {
          role: "system",
          content: [
            { type: "text", text: "Answer in French." },
            { type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } },
          ],
        },
      ],
    });
    expect(request.messages).toEqual([
      { role: "system", content: "You are Claude Code." },
      { role: "user", content: "Say hello." },
      { role: "system", content: "# MCP Server Instructions\n\nUse chat_completion." },
      { role: "assistant", content: "Hello." },
      { role: "user", content: "Again." },
      { role: "system", content: "Answer in French.\n\nBe brief." },
    ]);
  });

  it.each(misplacedSystemMessages())(
    "refuses a system message %s, in the API's words",
    (_case, messages, refusal) => {
      const parsed = refusalOfBody({ model: "m", max_tokens: 10, messages });
      expect(parsed.message).toBe(`Invalid request: ${refusal}`);
      expect(parsed.param).toBe(refusal.split(":")[0]);
    },
  );

  it("a known block type with a malformed body is refused by the schema, not taken as another type", () => {
    const parsed = anthropicMessagesRequestSchema.safeParse({
      model: "m",
      max_tokens: 10,
      messages: [{ role: "user", content: [{ type: "text" }] }],
    });
    expect(parsed.success).toBe(false);
  });
});

function refusalOfBody(body: Record<string, unknown>): { param: string | undefined; message: string } {
  try {
    parseBody(anthropicMessagesRequestSchema, body);
  } catch (error) {
    if (error instanceof GatewayError) return { param: error.param, message: error.message };
    throw error;
  }
  throw new Error("expected a refusal");
}

/**
 * Placement and content rules for system messages inside `messages`
 * (platform.claude.com/docs/en/build-with-claude/mid-conversation-system-messages):
 * what is refused, and the refusal's text after "Invalid request: ".
 */
function misplacedSystemMessages(): Array<[string, unknown[], string]> {
  const user = { role: "user", content: "Hi" };
  const assistant = { role: "assistant", content: "Hello" };
  const system = { role: "system", content: "Be brief." };
  return [
    [
      "first",
      [system, user],
      "messages.0: use the top-level 'system' parameter for the initial system prompt",
    ],
    [
      "after an assistant turn",
      [user, assistant, system],
      "messages.2: role 'system' must follow a 'user' message or an 'assistant' message ending in server tool use",
    ],
    [
      "before a user turn",
      [user, system, user],
      "messages.1: role 'system' must precede an 'assistant' message or end the array",
    ],
    ["next to another", [user, system, system], "messages.1: consecutive 'system' messages are not allowed"],
    [
      "with an image",
      [
        user,
        {
          role: "system",
          content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "iVBOR" } }],
        },
      ],
      "messages.1.content.0: a 'system' message takes text blocks only",
    ],
  ];
}

/** Each field the translation cannot carry: a body carrying it, the param named, the README's name for it. */
function untranslatable(): Array<[Record<string, unknown>, string, string]> {
  const userBlocks = (content: unknown[]) => ({ messages: [{ role: "user", content }] });
  return [
    [{ top_k: 5 }, "top_k", "`top_k`"],
    [{ mcp_servers: [{ type: "url", url: "https://x", name: "x" }] }, "mcp_servers", "`mcp_servers`"],
    [{ container: "container_1" }, "container", "`container`"],
    [
      { tool_choice: { type: "auto", disable_parallel_tool_use: true } },
      "tool_choice.disable_parallel_tool_use",
      "`disable_parallel_tool_use`",
    ],
    [{ tools: [{ type: "web_search_20250305", name: "web_search" }] }, "tools.0.type", "server tools"],
    [
      userBlocks([
        { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBE" } },
      ]),
      "messages.0.content.0.type",
      "`document`",
    ],
    [
      userBlocks([
        {
          type: "tool_result",
          tool_use_id: "t1",
          content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "iVBOR" } }],
        },
      ]),
      "messages.0.content.0.content.0",
      "images inside `tool_result`",
    ],
    [
      { output_config: { format: { type: "grammar" } } },
      "output_config.format.type",
      "an `output_config.format` other than a JSON schema",
    ],
  ];
}
