import type { Client } from "@modelcontextprotocol/client";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatUsd } from "../../src/governance/budget-exceeded-error.js";
import { describeWithRedis } from "../../src/usage/shared-test-redis.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";
import {
  hello,
  openAiClient,
  pricedModelNanoUsdPerToken,
  pricedModelYaml,
  type Replicas,
  startRedisReplicas,
  upstreamCalls,
  usageOf,
} from "./security-fixtures.js";

/** Every answer reports 5 input and 10 output tokens: 15 x $0.0001 = $0.0015 a request. */
const replyUsage = { inputTokens: 5, outputTokens: 10 };
const requestCostNanoUsd = 15 * pricedModelNanoUsdPerToken;
const limitNanoUsd = 10_000_000; // $0.01
/** `max_tokens` keeps each request's hold small: its prompt plus 10 output tokens. */
const chat = { model: "priced-mini", max_tokens: 10, messages: hello };

const budgetsYaml = `${pricedModelYaml}
budgets:
  projects:
    proj-budget-mcp: { daily_usd: 0.01 }
    proj-budget-sdk: { daily_usd: 0.01 }
    proj-zero: { daily_usd: 0 }
    proj-agents:
      agents:
        capped: { daily_usd: 0.005 }
    proj-race: { daily_usd: 0.01 }
`;

function queueReplies(harness: Harness, count: number): void {
  const { openai } = harness.fakes;
  for (let index = 0; index < count; index++) openai.enqueueChat(openai.replies.text("ok", replyUsage));
}

function nextUtcMidnight(nowMs: number): Date {
  const now = new Date(nowMs);
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

/** "$0.0018" in a refusal -> nano-USD. */
function usdInText(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  if (!match?.[1]) throw new Error(`no ${pattern} in: ${text}`);
  return Math.round(Number(match[1].replaceAll(",", "")) * 1e9);
}

const requestMaxCost = (text: string) => usdInText(text, /could cost up to \$(\d[\d,]*(?:\.\d+)?)/);

describe("budgets", () => {
  describe("on one gateway", () => {
    let harness: Harness;
    let mcp: Client;
    beforeAll(async () => {
      harness = await startHarness({ providers: ["openai"], configYaml: budgetsYaml });
      mcp = await connectMcp(harness.url);
    });
    afterAll(async () => {
      await mcp.close();
      await harness.close();
    });

    it("MCP: refuses before any provider call once the project's daily budget is used, naming it", async () => {
      const args = { project_id: "proj-budget-mcp", agent_id: "agent-1", ...chat };
      queueReplies(harness, 20);
      let admitted = 0;
      let refusal: string | undefined;
      while (refusal === undefined && admitted < 20) {
        const result = await callTool(mcp, "chat_completion", args);
        if (result.isError) refusal = result.text;
        else admitted += 1;
      }
      const callsAtRefusal = upstreamCalls(harness);
      expect(callsAtRefusal).toBe(admitted);
      const spent = admitted * requestCostNanoUsd;
      expect((await usageOf(harness, "proj-budget-mcp")).cost_usd).toBeCloseTo(spent / 1e9, 12);
      // Refused exactly when the next request's maximum would not fit.
      const maxCost = requestMaxCost(refusal ?? "");
      expect(spent + maxCost).toBeGreaterThan(limitNanoUsd);
      expect(spent - requestCostNanoUsd + maxCost).toBeLessThanOrEqual(limitNanoUsd);
      expect(refusal).toMatch(/^GW_ERR_BUDGET_EXCEEDED: Budget exceeded: /);
      expect(refusal).toContain('the daily (UTC day) budget of project "proj-budget-mcp" is $0.01');
      expect(refusal).toContain(`${formatUsd(spent)} is spent`);
      expect(refusal).toContain(`resets at ${nextUtcMidnight(Date.now()).toISOString()}`);
      expect(refusal).toContain("budgets.projects.proj-budget-mcp.daily_usd");

      // Embeddings spend too: refused the same way, still no provider call.
      const embed = await callTool(mcp, "create_embeddings", {
        project_id: "proj-zero",
        agent_id: "agent-1",
        input: "hello",
      });
      expect(embed.isError).toBe(true);
      expect(embed.text).toContain('budget of project "proj-zero" of $0.00');
      expect(upstreamCalls(harness)).toBe(callsAtRefusal);
    });

    it("holds n answers' output for n > 1, and the whole output allowance for reasoning_effort", async () => {
      const maxCostOf = async (extra: Record<string, unknown>) => {
        const result = await callTool(mcp, "chat_completion", {
          project_id: "proj-zero",
          agent_id: "agent-1",
          ...chat,
          ...extra,
        });
        expect(result.isError).toBe(true);
        return requestMaxCost(result.text);
      };
      const client = openAiClient(harness, "unused", { "x-project-id": "proj-zero" });
      const refusalOf = (body: Record<string, unknown>) =>
        client.chat.completions
          .create({ ...chat, ...body } as OpenAI.ChatCompletionCreateParamsNonStreaming)
          .catch((error: unknown) => String((error as Error).message));
      const callsBefore = upstreamCalls(harness);
      const single = await maxCostOf({});
      const three = requestMaxCost(String(await refusalOf({ n: 3 })));
      expect(three - single).toBe(2 * 10 * pricedModelNanoUsdPerToken);
      const thinking = await maxCostOf({ reasoning_effort: "low" });
      // priced-mini writes at most 1000 tokens: the hold covers all of them, not max_tokens' 10.
      expect(thinking - single).toBe((1000 - 10) * pricedModelNanoUsdPerToken);
      expect(upstreamCalls(harness)).toBe(callsBefore);
    });

    it("/v1: the SDK raises RateLimitError (429) with retry-after until the UTC day's end", async () => {
      const client = openAiClient(harness, "unused", { "x-project-id": "proj-budget-sdk" });
      queueReplies(harness, 20);
      let admitted = 0;
      let refusal: InstanceType<typeof OpenAI.RateLimitError> | undefined;
      let before = 0;
      while (refusal === undefined && admitted < 20) {
        before = Date.now();
        const error = await client.chat.completions.create(chat).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        if (error === undefined) admitted += 1;
        else if (error instanceof OpenAI.RateLimitError) refusal = error;
        else throw error;
      }
      const after = Date.now();
      const callsAtRefusal = upstreamCalls(harness);
      expect(admitted).toBeGreaterThan(0);
      expect(refusal).toMatchObject({
        status: 429,
        code: "GW_ERR_BUDGET_EXCEEDED",
        type: "insufficient_quota",
      });
      expect(refusal?.message).toContain('budget of project "proj-budget-sdk" is $0.01');
      expect(refusal?.message).toContain(`${formatUsd(admitted * requestCostNanoUsd)} is spent`);
      const resetMs = nextUtcMidnight(before).getTime();
      const retryAfter = Number(refusal?.headers?.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(Math.floor((resetMs - after) / 1000));
      expect(retryAfter).toBeLessThanOrEqual(Math.ceil((resetMs - before) / 1000));

      // A stream is refused before it starts, and embeddings like chat.
      const stream = await client.chat.completions
        .create({ ...chat, stream: true })
        .catch((error: unknown) => error);
      expect(stream).toBeInstanceOf(OpenAI.RateLimitError);
      const zero = openAiClient(harness, "unused", { "x-project-id": "proj-zero" });
      await expect(zero.embeddings.create({ model: "embedding", input: "hello" })).rejects.toMatchObject({
        status: 429,
        code: "GW_ERR_BUDGET_EXCEEDED",
      });
      expect(upstreamCalls(harness)).toBe(callsAtRefusal);
    });

    it("holds an agent to its own budget inside the project; other agents keep spending", async () => {
      const args = (agent: string) => ({ project_id: "proj-agents", agent_id: agent, ...chat });
      queueReplies(harness, 20);
      let admitted = 0;
      let refusal: string | undefined;
      while (refusal === undefined && admitted < 20) {
        const result = await callTool(mcp, "chat_completion", args("capped"));
        if (result.isError) refusal = result.text;
        else admitted += 1;
      }
      expect(admitted).toBeGreaterThan(0);
      expect(refusal).toContain(
        'the daily (UTC day) budget of agent "capped" in project "proj-agents" is $0.005',
      );
      expect(refusal).toContain("budgets.projects.proj-agents.agents.capped.daily_usd");
      for (let index = 0; index < admitted + 1; index++) {
        expect((await callTool(mcp, "chat_completion", args("free"))).isError).toBe(false);
      }
      const usage = await usageOf(harness, "proj-agents");
      expect(usage.by_agent.capped?.requests).toBe(admitted);
      expect(usage.by_agent.free?.requests).toBe(admitted + 1);
    });
  });

  describeWithRedis("two replicas sharing Redis", () => {
    let replicas: Replicas;
    beforeAll(async () => {
      replicas = await startRedisReplicas(2, { providers: ["openai"], configYaml: budgetsYaml });
    });
    afterAll(async () => replicas.close());

    it("a replica just started checks its very first request against the shared budget", async () => {
      const fresh = await startRedisReplicas(1, { providers: ["openai"], configYaml: budgetsYaml });
      try {
        const [harness] = fresh.harnesses as [Harness];
        const client = openAiClient(harness, "unused", { "x-project-id": "proj-zero" });
        await expect(client.chat.completions.create(chat)).rejects.toMatchObject({
          status: 429,
          code: "GW_ERR_BUDGET_EXCEEDED",
        });
        expect(upstreamCalls(harness)).toBe(0);
      } finally {
        await fresh.close();
      }
    });

    it("racing to overspend one budget, spend never passes the limit and misses it by less than one request", async () => {
      const clients = replicas.harnesses.map((harness) =>
        openAiClient(harness, "unused", { "x-project-id": "proj-race", "x-agent-id": "racer" }),
      );
      for (const harness of replicas.harnesses) queueReplies(harness, 40);
      let admitted = 0;
      let refused = 0;
      // Waves of 16 concurrent requests per replica until a whole wave is refused because the budget
      // is spent (not only because the last wave's holds were still being settled).
      for (let wave = 0; wave < 20; wave++) {
        const outcomes = await Promise.all(
          Array.from({ length: 32 }, (_, index) =>
            (clients[index % 2] as OpenAI).chat.completions.create(chat).then(
              () => "admitted",
              (error: unknown) => {
                if (error instanceof OpenAI.RateLimitError && error.code === "GW_ERR_BUDGET_EXCEEDED")
                  return error.message.includes("held by requests in flight")
                    ? "refused while held"
                    : "refused";
                throw error;
              },
            ),
          ),
        );
        const admittedNow = outcomes.filter((outcome) => outcome === "admitted").length;
        admitted += admittedNow;
        refused += outcomes.length - admittedNow;
        if (admittedNow === 0 && !outcomes.includes("refused while held")) break;
        if (admittedNow === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const [first, second] = replicas.harnesses as [Harness, Harness];
      expect(refused).toBeGreaterThan(0);
      expect(upstreamCalls(first) + upstreamCalls(second)).toBe(admitted);
      await usageOf(second, "proj-race"); // flushes the second replica's bookings
      const usage = await usageOf(first, "proj-race");
      expect(usage.requests).toBe(admitted);
      const spent = Math.round(usage.cost_usd * 1e9);
      expect(spent).toBe(admitted * requestCostNanoUsd);
      expect(spent).toBeLessThanOrEqual(limitNanoUsd);

      // Once no hold is in flight, one more request is refused only because it cannot fit.
      const mcp = await connectMcp(first.url);
      let probe = "";
      for (;;) {
        const result = await callTool(mcp, "chat_completion", {
          project_id: "proj-race",
          agent_id: "racer",
          ...chat,
        });
        expect(result.isError).toBe(true);
        probe = result.text;
        if (!probe.includes("held by requests in flight")) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await mcp.close();
      expect(probe).toContain(`${formatUsd(spent)} is spent`);
      expect(spent).toBeGreaterThan(limitNanoUsd - requestMaxCost(probe));
    });
  });
});
