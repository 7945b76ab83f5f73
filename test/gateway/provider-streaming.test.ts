import type { Client } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatResult } from "../../src/gateway/chat-types.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";

const messages = [{ role: "user", content: "Say hello" }];

describe("LLM_GATEWAY_PROVIDER_STREAMING=as_requested", () => {
  let harness: Harness;
  let client: Client;
  beforeAll(async () => {
    harness = await startHarness({ env: { LLM_GATEWAY_PROVIDER_STREAMING: "as_requested" } });
    client = await connectMcp(harness.url);
  });
  afterAll(async () => {
    await client.close();
    await harness.close();
  });

  it("sends a one-answer /v1 call to the provider unstreamed, and a streamed one streamed", async () => {
    const { openai } = harness.fakes;
    openai.server.reset();
    openai.enqueueChat(openai.replies.text("Hello whole", { inputTokens: 9, outputTokens: 2 }));
    const whole = await fetch(new URL("/v1/chat/completions", harness.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4.1", messages }),
    });
    expect(whole.status).toBe(200);
    expect(await whole.json()).toMatchObject({
      choices: [{ message: { content: "Hello whole" } }],
      usage: { prompt_tokens: 9, completion_tokens: 2 },
    });
    expect(openai.chatCalls()[0]?.body).not.toHaveProperty("stream");

    openai.enqueueChat(openai.replies.stream(["Hel", "lo"]));
    const streamed = await fetch(new URL("/v1/chat/completions", harness.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4.1", messages, stream: true }),
    });
    expect(await streamed.text()).toContain('"content":"lo"');
    expect(openai.chatCalls()[1]?.body).toMatchObject({ stream: true });
  });

  it("sends a one-answer MCP call unstreamed too", async () => {
    const { openai } = harness.fakes;
    openai.server.reset();
    openai.enqueueChat(openai.replies.text("Hello over MCP", { inputTokens: 9, outputTokens: 3 }));
    const { structured, text } = await callTool<ChatResult>(client, "chat_completion", {
      project_id: "proj-streaming",
      agent_id: "agent-1",
      model: "gpt-4.1",
      messages,
    });
    expect(structured, text).toMatchObject({ provider: "openai", content: "Hello over MCP" });
    expect(openai.chatCalls()).toHaveLength(1);
    expect(openai.chatCalls()[0]?.body).not.toHaveProperty("stream");
  });
});
