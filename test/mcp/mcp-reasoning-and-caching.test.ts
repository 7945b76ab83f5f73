import type { Client } from "@modelcontextprotocol/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FakeAnthropic } from "../../src/fakes/anthropic/fake-anthropic.js";
import { googleThinkingToolCallReply } from "../../src/fakes/google/fake-google.js";
import type { ChatResult } from "../../src/gateway/chat-types.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";

/** The MCP chat_completion result carries reasoning and prompt-cache usage, streamed or not. */
describe("chat_completion: reasoning and prompt-cache usage", () => {
  let harness: Harness;
  let anthropic: FakeAnthropic;
  let client: Client;
  const caller = { project_id: "proj-mcp-reasoning", agent_id: "agent-1" };
  const thinking = { type: "enabled", budget_tokens: 1024 };

  beforeAll(async () => {
    harness = await startHarness({ env: { LLM_GATEWAY_MAX_RETRIES: "0" } });
    anthropic = harness.fakes.anthropic as FakeAnthropic;
    client = await connectMcp(harness.url);
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => {
    await client.close();
    await harness.close();
  });

  it("adds reasoning_content only when the model returned reasoning", async () => {
    anthropic.enqueueChat(anthropic.replies.thinkingText("Six times seven.", "42."));
    const answered = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model: "claude-sonnet-4",
      thinking,
      messages: [{ role: "user", content: "6 x 7?" }],
    });
    expect(answered.isError).toBe(false);
    expect(answered.structured).toMatchObject({ content: "42.", reasoning_content: "Six times seven." });

    const plain = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model: "claude-sonnet-4",
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(plain.structured).not.toHaveProperty("reasoning_content");
  });

  it("assembles streamed thinking into reasoning_content", async () => {
    anthropic.enqueueChat(
      anthropic.replies.thinkingToolCallStream(["Need ", "the tool."], {
        name: "get_weather",
        argumentsJson: "{}",
      }),
    );
    const result = await client.callTool(
      {
        name: "chat_completion",
        arguments: {
          ...caller,
          model: "claude-sonnet-4",
          thinking,
          stream: true,
          tools: [{ type: "function", function: { name: "get_weather" } }],
          messages: [{ role: "user", content: "Weather?" }],
        },
      },
      { onprogress: () => undefined },
    );
    expect(result.structuredContent).toMatchObject({
      reasoning_content: "Need the tool.",
      tool_calls: [{ function: { name: "get_weather", arguments: "{}" } }],
      finish_reason: "tool_calls",
    });
  });

  it("reports cache writes, then cache reads, as cache_write_tokens and cached_input_tokens", async () => {
    const request = {
      ...caller,
      model: "claude-sonnet-4",
      messages: [
        {
          role: "system",
          content: "Quote the policy number in every answer. ".repeat(200),
          cache_control: { type: "ephemeral" },
        },
        { role: "user", content: "Can I return shoes?" },
      ],
    };
    const first = await callTool<ChatResult>(client, "chat_completion", request);
    const second = await callTool<ChatResult>(client, "chat_completion", request);
    expect(first.structured.usage.cache_write_tokens).toBeGreaterThan(1024);
    expect(first.structured.usage.cached_input_tokens).toBe(0);
    expect(second.structured.usage).toMatchObject({
      cached_input_tokens: first.structured.usage.cache_write_tokens,
      cache_write_tokens: 0,
    });
    expect(second.structured.cost_usd).toBeLessThan(first.structured.cost_usd);
  });

  it("returns Gemini's thought signature on the tool call, for the caller to send back", async () => {
    harness.fakes.google.enqueueChat(
      googleThinkingToolCallReply(
        "Checking.",
        { name: "get_weather", argumentsJson: "{}" },
        { inputTokens: 10, outputTokens: 5, thoughtsTokens: 30 },
      ),
    );
    const answered = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model: "gemini-2.5-pro",
      tools: [{ type: "function", function: { name: "get_weather" } }],
      messages: [{ role: "user", content: "Weather?" }],
    });
    expect(answered.isError).toBe(false);
    expect(answered.structured.tool_calls[0]?.extra_content?.google?.thought_signature).toEqual(
      expect.any(String),
    );
    expect(answered.structured.usage.output_tokens).toBe(35);
  });
});
