import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ChatResult } from "../../src/gateway/chat-types.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";

type ConversationResult = ChatResult & { conversation_id: string; turns_left_out?: number };
type WireMessage = { role: string; content: unknown };

const caller = { project_id: "proj-conv", agent_id: "agent-1" };

function anthropicMessages(harness: Harness, call = -1): WireMessage[] {
  const body = harness.fakes.anthropic.chatCalls().at(call)?.body as { messages: WireMessage[] };
  return body.messages;
}

function openAiMessages(harness: Harness, call = -1): WireMessage[] {
  const body = harness.fakes.openai.chatCalls().at(call)?.body as { messages: WireMessage[] };
  return body.messages;
}

describe("chat_completion conversations", () => {
  let harness: Harness;
  let client: Client;

  beforeAll(async () => {
    harness = await startHarness({ env: { LLM_GATEWAY_MAX_RETRIES: "0" } });
    client = await connectMcp(harness.url);
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => {
    await client.close();
    await harness.close();
  });

  it("asks OpenAI, then continues the same conversation with Anthropic, which receives the earlier turns", async () => {
    harness.fakes.openai.enqueueChat(harness.fakes.openai.replies.text("Paris."));
    const first = await callTool<ConversationResult>(client, "chat_completion", {
      ...caller,
      model: "gpt-4.1",
      messages: [{ role: "user", content: "Capital of France?" }],
    });
    expect(first.isError).toBe(false);
    expect(first.structured.conversation_id).toMatch(/^conv_[0-9a-z]{9}[\w-]{24}$/);
    expect(first.text).toContain(first.structured.conversation_id);

    harness.fakes.anthropic.enqueueChat(harness.fakes.anthropic.replies.text("About 2.1 million."));
    const second = await callTool<ConversationResult>(client, "chat_completion", {
      ...caller,
      model: "claude-sonnet-4",
      conversation_id: first.structured.conversation_id,
      messages: [{ role: "user", content: "Its population?" }],
    });
    expect(second.isError).toBe(false);
    expect(second.structured).toMatchObject({
      provider: "anthropic",
      content: "About 2.1 million.",
      conversation_id: first.structured.conversation_id,
    });
    expect(second.structured).not.toHaveProperty("turns_left_out");
    expect(anthropicMessages(harness)).toEqual([
      { role: "user", content: [{ type: "text", text: "Capital of France?" }] },
      { role: "assistant", content: [{ type: "text", text: "Paris." }] },
      { role: "user", content: [{ type: "text", text: "Its population?" }] },
    ]);
  });

  it("the README's exchange: Gemini designs, Claude reviews in the same conversation, results as shown there", async () => {
    const { google, anthropic } = harness.fakes;
    const shop = { project_id: "shop", agent_id: "planner" };
    const schema =
      "orders(id, customer_id, total_cents, status), refunds(id, order_id, amount_cents, reason, created_at)";
    const review =
      "Two partial refunds can together exceed the order total: check SUM(refunds.amount_cents) <= orders.total_cents in the same transaction.";
    google.enqueueChat(google.replies.stream([schema], { usage: { inputTokens: 14, outputTokens: 31 } }));
    anthropic.enqueueChat(
      anthropic.replies.stream([review], { usage: { inputTokens: 62, outputTokens: 29 } }),
    );
    /** A result exactly as the README shows it: nothing else (no attempts, no tool_calls). */
    const resultShape = (answer: {
      model: string;
      provider: string;
      content: string;
      input: number;
      output: number;
      cost: number;
    }) => ({
      content: answer.content,
      finish_reason: "stop",
      model: answer.model,
      provider: answer.provider,
      usage: {
        input_tokens: answer.input,
        output_tokens: answer.output,
        cached_input_tokens: 0,
        cache_write_tokens: 0,
        total_tokens: answer.input + answer.output,
      },
      cost_usd: answer.cost,
      latency_ms: expect.any(Number),
      conversation_id: expect.stringMatching(/^conv_[0-9a-z]{9}[\w-]{24}$/),
      id: expect.stringMatching(/^chatcmpl-/),
    });
    const gemini = { model: "gemini-2.5-pro", provider: "google", content: schema, input: 14, output: 31 };
    const claude = {
      model: "claude-sonnet-4",
      provider: "anthropic",
      content: review,
      input: 62,
      output: 29,
    };
    // The README quotes these answers and costs (gemini-2.5-pro $1.25 / $10, claude-sonnet-4 $3 / $15).
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    for (const quoted of [schema, review, '"cost_usd": 0.0003275', '"cost_usd": 0.000621']) {
      expect(readme).toContain(quoted);
    }

    const first = await callTool<ConversationResult>(client, "chat_completion", {
      ...shop,
      model: "gemini-2.5-pro",
      messages: [{ role: "user", content: "Design a schema for orders and refunds." }],
    });
    expect(first.structured).toStrictEqual(resultShape({ ...gemini, cost: 0.0003275 }));
    const conversationId = first.structured.conversation_id;
    expect(first.text).toBe(
      `${schema}\n\n[gemini-2.5-pro via google, 45 tokens, $0.0003275, conversation ${conversationId}]`,
    );

    const second = await callTool<ConversationResult>(client, "chat_completion", {
      ...shop,
      model: "claude-sonnet-4",
      conversation_id: conversationId,
      messages: [{ role: "user", content: "Review that schema: what breaks on partial refunds?" }],
    });
    expect(second.structured).toStrictEqual(resultShape({ ...claude, cost: 0.000621 }));
    expect(second.structured.conversation_id).toBe(conversationId);
    expect(anthropicMessages(harness).map((message) => message.role)).toEqual(["user", "assistant", "user"]);
    expect(JSON.stringify(anthropicMessages(harness)[1])).toContain(schema);
  });

  it("carries tool calls and tool results from one provider to the next", async () => {
    const tools = [
      {
        type: "function",
        function: { name: "get_weather", parameters: { type: "object", properties: {} } },
      },
    ];
    harness.fakes.openai.enqueueChat(
      harness.fakes.openai.replies.toolCall("get_weather", '{"city":"Paris"}'),
    );
    const first = await callTool<ConversationResult>(client, "chat_completion", {
      ...caller,
      model: "gpt-4.1",
      tools,
      messages: [{ role: "user", content: "Weather in Paris?" }],
    });
    const call = first.structured.tool_calls[0];
    expect(call?.function.name).toBe("get_weather");

    harness.fakes.anthropic.enqueueChat(harness.fakes.anthropic.replies.text("18 °C and sunny."));
    const second = await callTool<ConversationResult>(client, "chat_completion", {
      ...caller,
      model: "claude-sonnet-4",
      tools,
      conversation_id: first.structured.conversation_id,
      messages: [{ role: "tool", tool_call_id: call?.id, content: "18C, sunny" }],
    });
    expect(second.isError).toBe(false);
    const sent = anthropicMessages(harness);
    expect(sent[1]).toMatchObject({
      role: "assistant",
      content: [{ type: "tool_use", id: call?.id, name: "get_weather", input: { city: "Paris" } }],
    });
    expect(sent[2]).toMatchObject({
      role: "user",
      content: [{ type: "tool_result", tool_use_id: call?.id }],
    });
  });

  it("refuses an unknown id and another project's id alike, and spends nothing", async () => {
    harness.fakes.openai.enqueueChat(harness.fakes.openai.replies.text("Mine."));
    const owned = await callTool<ConversationResult>(client, "chat_completion", {
      ...caller,
      model: "gpt-4.1",
      messages: [{ role: "user", content: "Hello" }],
    });
    const foreign = await callTool(client, "chat_completion", {
      project_id: "proj-other",
      agent_id: "agent-1",
      model: "gpt-4.1",
      conversation_id: owned.structured.conversation_id,
      messages: [{ role: "user", content: "Let me in" }],
    });
    const unknown = await callTool(client, "chat_completion", {
      ...caller,
      model: "gpt-4.1",
      conversation_id: "conv_doesnotexist",
      messages: [{ role: "user", content: "Hello?" }],
    });
    for (const refused of [foreign, unknown]) {
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(/^GW_ERR_UNKNOWN_CONVERSATION: No conversation ".+" in this project/);
    }
    expect(foreign.text.replace(owned.structured.conversation_id, "ID")).toBe(
      unknown.text.replace("conv_doesnotexist", "ID"),
    );
    expect(harness.fakes.openai.chatCalls()).toHaveLength(1);
  });

  it("lists the project's conversations newest first with model, turns, tokens and cost", async () => {
    const project = { project_id: "proj-conv-list", agent_id: "agent-1" };
    harness.fakes.openai.enqueueChat(
      harness.fakes.openai.replies.text("One.", { inputTokens: 10, outputTokens: 5 }),
      harness.fakes.openai.replies.text("Two.", { inputTokens: 20, outputTokens: 5 }),
    );
    harness.fakes.anthropic.enqueueChat(
      harness.fakes.anthropic.replies.text("Three.", { inputTokens: 30, outputTokens: 5 }),
    );
    const older = await callTool<ConversationResult>(client, "chat_completion", {
      ...project,
      model: "gpt-4.1",
      messages: [{ role: "user", content: "1" }],
    });
    const newer = await callTool<ConversationResult>(client, "chat_completion", {
      ...project,
      model: "gpt-4.1",
      messages: [{ role: "user", content: "2" }],
    });
    const continued = await callTool<ConversationResult>(client, "chat_completion", {
      ...project,
      model: "claude-sonnet-4",
      conversation_id: newer.structured.conversation_id,
      messages: [{ role: "user", content: "3" }],
    });
    const listed = await callTool<{ conversations: Array<Record<string, unknown>> }>(
      client,
      "list_conversations",
      { project_id: project.project_id },
    );
    expect(listed.isError).toBe(false);
    expect(listed.structured.conversations).toMatchObject([
      {
        conversation_id: newer.structured.conversation_id,
        model: "claude-sonnet-4",
        turns: 2,
        total_tokens: 60,
        uri: `llm-gateway://conversations/${newer.structured.conversation_id}`,
      },
      { conversation_id: older.structured.conversation_id, model: "gpt-4.1", turns: 1, total_tokens: 15 },
    ]);
    const cost = listed.structured.conversations[0]?.cost_usd as number;
    expect(cost).toBeGreaterThan(0);
    expect(cost).toBeCloseTo(newer.structured.cost_usd + continued.structured.cost_usd, 9);

    const other = await callTool<{ conversations: unknown[] }>(client, "list_conversations", {
      project_id: "proj-nobody",
    });
    expect(other.structured.conversations).toEqual([]);
  });

  it("reads a conversation as a resource, and says an unknown one is not found", async () => {
    harness.fakes.openai.enqueueChat(harness.fakes.openai.replies.text("Read me."));
    const turn = await callTool<ConversationResult>(client, "chat_completion", {
      ...caller,
      model: "gpt-4.1",
      messages: [{ role: "user", content: "Store this" }],
    });
    const uri = `llm-gateway://conversations/${turn.structured.conversation_id}`;
    const read = await client.readResource({ uri });
    const content = read.contents[0] as { uri: string; mimeType: string; text: string };
    expect(content).toMatchObject({ uri, mimeType: "application/json" });
    expect(JSON.parse(content.text)).toMatchObject({
      conversation_id: turn.structured.conversation_id,
      project_id: caller.project_id,
      model: "gpt-4.1",
      turns: [
        [
          { role: "user", content: "Store this" },
          { role: "assistant", content: "Read me." },
        ],
      ],
    });
    await expect(client.readResource({ uri: "llm-gateway://conversations/conv_unknown" })).rejects.toThrow(
      /No conversation "conv_unknown"/,
    );
  });
});

describe("conversations and client keys", () => {
  const keys = { teamA: "key-team-a-0123456789abcdef", teamB: "key-team-b-0123456789abcdef" };
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({
      env: { LLM_GATEWAY_API_KEYS: `${keys.teamA}=team-a,${keys.teamB}=team-b` },
    });
  });
  afterAll(() => harness.close());

  it("lets only a key that may act for the conversation's project read or list it", async () => {
    const asTeamA = await connectMcp(harness.url, { headers: { authorization: `Bearer ${keys.teamA}` } });
    const asTeamB = await connectMcp(harness.url, { headers: { authorization: `Bearer ${keys.teamB}` } });
    harness.fakes.openai.enqueueChat(harness.fakes.openai.replies.text("Team A's secret plan."));
    const turn = await callTool<ConversationResult>(asTeamA, "chat_completion", {
      project_id: "team-a",
      agent_id: "agent-1",
      model: "gpt-4.1",
      messages: [{ role: "user", content: "Plan?" }],
    });
    const uri = `llm-gateway://conversations/${turn.structured.conversation_id}`;
    expect((await asTeamA.readResource({ uri })).contents[0]).toMatchObject({ uri });
    await expect(asTeamB.readResource({ uri })).rejects.toThrow(/No conversation/);

    const listed = await callTool(asTeamB, "list_conversations", { project_id: "team-a" });
    expect(listed.isError).toBe(true);
    expect(listed.text).toContain("GW_ERR_FORBIDDEN_PROJECT");
    await asTeamA.close();
    await asTeamB.close();
  });
});

describe("conversations across restarts, expiry and small context windows", () => {
  it("continues a conversation after the gateway restarts on the same data dir", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "llmgw-conv-restart-"));
    try {
      const before = await startHarness({ env: { LLM_GATEWAY_DATA_DIR: dataDir } });
      let conversationId: string;
      try {
        const client = await connectMcp(before.url);
        before.fakes.openai.enqueueChat(before.fakes.openai.replies.text("Noted: blue."));
        const first = await callTool<ConversationResult>(client, "chat_completion", {
          ...caller,
          model: "gpt-4.1",
          messages: [{ role: "user", content: "My favourite colour is blue." }],
        });
        conversationId = first.structured.conversation_id;
        await client.close();
      } finally {
        await before.close();
      }
      const after = await startHarness({ env: { LLM_GATEWAY_DATA_DIR: dataDir } });
      try {
        const client = await connectMcp(after.url);
        after.fakes.anthropic.enqueueChat(after.fakes.anthropic.replies.text("Blue."));
        const second = await callTool<ConversationResult>(client, "chat_completion", {
          ...caller,
          model: "claude-sonnet-4",
          conversation_id: conversationId,
          messages: [{ role: "user", content: "Which colour?" }],
        });
        expect(second.isError).toBe(false);
        expect(anthropicMessages(after).map((message) => message.role)).toEqual([
          "user",
          "assistant",
          "user",
        ]);
        expect(anthropicMessages(after)[0]?.content).toEqual([
          { type: "text", text: "My favourite colour is blue." },
        ]);
        await client.close();
      } finally {
        await after.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("forgets a conversation once LLM_GATEWAY_CONVERSATION_TTL_SECONDS passed since its last turn", async () => {
    const harness = await startHarness({ env: { LLM_GATEWAY_CONVERSATION_TTL_SECONDS: "1" } });
    try {
      const client = await connectMcp(harness.url);
      harness.fakes.openai.enqueueChat(harness.fakes.openai.replies.text("Soon gone."));
      const first = await callTool<ConversationResult>(client, "chat_completion", {
        ...caller,
        model: "gpt-4.1",
        messages: [{ role: "user", content: "Hi" }],
      });
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const late = await callTool(client, "chat_completion", {
        ...caller,
        model: "gpt-4.1",
        conversation_id: first.structured.conversation_id,
        messages: [{ role: "user", content: "Still there?" }],
      });
      expect(late.isError).toBe(true);
      expect(late.text).toContain("GW_ERR_UNKNOWN_CONVERSATION");
      expect(harness.fakes.openai.chatCalls()).toHaveLength(1);
      await client.close();
    } finally {
      await harness.close();
    }
  });

  it("leaves out the oldest turns, keeping the system message, when the context window is full", async () => {
    const harness = await startHarness({
      configYaml: `
models:
  tiny-window:
    provider: openai
    provider_model_id: gpt-4.1-mini
    context_window: 400
    max_output_tokens: 50
    price_per_mtok: { input: 1, output: 1 }
`,
    });
    const long = (word: string) => Array.from({ length: 150 }, () => word).join(" ");
    try {
      const client = await connectMcp(harness.url);
      const openai = harness.fakes.openai;
      openai.enqueueChat(openai.replies.text("A."), openai.replies.text("B."), openai.replies.text("C."));
      const ask = (messages: unknown[], conversationId?: string) =>
        callTool<ConversationResult>(client, "chat_completion", {
          ...caller,
          model: "tiny-window",
          messages,
          ...(conversationId ? { conversation_id: conversationId } : {}),
        });
      const first = await ask([
        { role: "system", content: "Be brief." },
        { role: "user", content: long("apple") },
      ]);
      const id = first.structured.conversation_id;
      const second = await ask([{ role: "user", content: long("pear") }], id);
      expect(second.structured).not.toHaveProperty("turns_left_out");
      expect(openAiMessages(harness)).toHaveLength(4);

      const third = await ask([{ role: "user", content: long("plum") }], id);
      expect(third.structured.turns_left_out).toBe(1);
      expect(third.text).toContain("1 oldest turns left out");
      expect(openAiMessages(harness)).toEqual([
        { role: "system", content: "Be brief." },
        { role: "user", content: long("pear") },
        { role: "assistant", content: "B." },
        { role: "user", content: long("plum") },
      ]);
      await client.close();
    } finally {
      await harness.close();
    }
  });
});
