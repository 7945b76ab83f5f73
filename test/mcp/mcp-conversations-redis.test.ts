import { afterAll, beforeAll, expect, it } from "vitest";
import type { ChatResult } from "../../src/gateway/chat-types.js";
import { type RedisTestServer, startRedisTestServer } from "../../src/usage/redis-test-server.js";
import { describeWithRedis } from "../../src/usage/shared-test-redis.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";

type ConversationResult = ChatResult & { conversation_id: string };

/** With Redis, a conversation started on one replica continues on another: each has its own data dir. */
describeWithRedis("conversations shared by replicas through Redis", () => {
  let redis: RedisTestServer;
  let replicas: Harness[];

  beforeAll(async () => {
    redis = await startRedisTestServer();
    const env = { LLM_GATEWAY_REDIS_URL: redis.url, LLM_GATEWAY_REDIS_KEY_PREFIX: "llmgw-conv-test:" };
    replicas = [await startHarness({ env }), await startHarness({ env })];
  });
  afterAll(async () => {
    for (const replica of replicas ?? []) await replica.close();
    await redis?.stop();
  });

  it("answers the second turn on the other replica with the first turn sent", async () => {
    const [first, second] = replicas as [Harness, Harness];
    const caller = { project_id: "proj-replicas", agent_id: "agent-1" };
    const clientA = await connectMcp(first.url);
    const clientB = await connectMcp(second.url);
    first.fakes.google.enqueueChat(first.fakes.google.replies.text("Consider a B-tree."));
    const opened = await callTool<ConversationResult>(clientA, "chat_completion", {
      ...caller,
      model: "gemini-2.5-pro",
      messages: [{ role: "user", content: "Index for range queries?" }],
    });
    expect(opened.isError).toBe(false);

    second.fakes.anthropic.enqueueChat(second.fakes.anthropic.replies.text("Agreed."));
    const continued = await callTool<ConversationResult>(clientB, "chat_completion", {
      ...caller,
      model: "claude-sonnet-4",
      conversation_id: opened.structured.conversation_id,
      messages: [{ role: "user", content: "Do you agree?" }],
    });
    expect(continued.isError).toBe(false);
    const sent = (second.fakes.anthropic.chatCalls()[0]?.body as { messages: unknown[] } | undefined)
      ?.messages;
    expect(sent).toEqual([
      { role: "user", content: [{ type: "text", text: "Index for range queries?" }] },
      { role: "assistant", content: [{ type: "text", text: "Consider a B-tree." }] },
      { role: "user", content: [{ type: "text", text: "Do you agree?" }] },
    ]);
    const listed = await callTool<{ conversations: Array<{ turns: number }> }>(
      clientA,
      "list_conversations",
      { project_id: caller.project_id },
    );
    expect(listed.structured.conversations).toMatchObject([{ turns: 2 }]);
    await clientA.close();
    await clientB.close();
  });

  it("with Redis down, still answers a new call (without an id) and refuses to continue one, spending nothing", async () => {
    const [replica] = replicas as [Harness];
    const client = await connectMcp(replica.url);
    const caller = { project_id: "proj-redis-down", agent_id: "agent-1" };
    replica.fakes.openai.enqueueChat(replica.fakes.openai.replies.text("Before."));
    const opened = await callTool<ConversationResult>(client, "chat_completion", {
      ...caller,
      model: "gpt-4.1",
      messages: [{ role: "user", content: "Hi" }],
    });
    await redis.kill();
    try {
      replica.fakes.openai.enqueueChat(replica.fakes.openai.replies.text("Still answered."));
      const fresh = await callTool<ConversationResult>(client, "chat_completion", {
        ...caller,
        model: "gpt-4.1",
        messages: [{ role: "user", content: "Hi again" }],
      });
      expect(fresh.isError).toBe(false);
      expect(fresh.structured.content).toBe("Still answered.");
      expect(fresh.structured).not.toHaveProperty("conversation_id");
      expect(fresh.text).toContain("conversation not stored (store unavailable)");

      const continued = await callTool(client, "chat_completion", {
        ...caller,
        model: "gpt-4.1",
        conversation_id: opened.structured.conversation_id,
        messages: [{ role: "user", content: "And now?" }],
      });
      expect(continued.isError).toBe(true);
      expect(continued.text).toContain("GW_ERR_STORE_UNAVAILABLE");
      expect(replica.fakes.openai.chatCalls()).toHaveLength(2);
    } finally {
      await redis.restart();
    }
    await client.close();
  });
});
