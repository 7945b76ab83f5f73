import type { Client } from "@modelcontextprotocol/client";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";
import {
  hello,
  openAiClient,
  type Replicas,
  startRedisReplicas,
  upstreamCalls,
} from "./security-fixtures.js";

/** Every project may send 3 requests a minute, each of its agents 2. */
const rateLimitsYaml = "rate_limits: { default_project_rpm: 3, default_agent_rpm: 2 }\n";
const chat = { model: "gpt-4.1-mini", messages: hello };

/**
 * Windows are fixed UTC minutes: a sequence that straddles a minute boundary
 * sees its counts reset halfway. Such a run is repeated once, with fresh
 * project ids, in the new minute (which it cannot straddle again).
 */
async function inOneRateWindow(body: (run: string) => Promise<void>): Promise<void> {
  const minute = () => Math.floor(Date.now() / 60_000);
  const started = minute();
  try {
    await body(`${started}a`);
  } catch (error) {
    if (minute() === started) throw error;
    await body(`${minute()}b`);
  }
}

type Outcome = { admitted: true } | { admitted: false; message: string; retryAfter: number | undefined };

/** Runs the same scenario through a door: agents a1, a1, a1, a2, a2 of one project, then another project. */
async function expectLimits(
  send: (projectId: string, agentId: string) => Promise<Outcome>,
  harness: Harness,
  run: string,
): Promise<void> {
  const project = `rl-${run}`;
  const callsBefore = upstreamCalls(harness);
  const first = await send(project, "a1");
  const second = await send(project, "a1");
  const agentRefused = await send(project, "a1");
  const otherAgent = await send(project, "a2");
  const projectRefused = await send(project, "a2");
  const otherProject = await send(`rl-other-${run}`, "a1");
  expect([first, second, otherAgent, otherProject].every((outcome) => outcome.admitted)).toBe(true);
  expect(upstreamCalls(harness) - callsBefore).toBe(4);
  if (agentRefused.admitted || projectRefused.admitted) throw new Error("the limits admitted too much");
  expect(agentRefused.message).toContain(
    `Rate limit exceeded: agent "a1" in project "${project}" may send 2 requests per minute`,
  );
  expect(projectRefused.message).toContain(
    `Rate limit exceeded: project "${project}" may send 3 requests per minute`,
  );
  for (const refused of [agentRefused, projectRefused]) {
    expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfter).toBeLessThanOrEqual(60);
  }
}

function mcpSender(client: Client) {
  return async (projectId: string, agentId: string): Promise<Outcome> => {
    const result = await callTool(client, "chat_completion", {
      project_id: projectId,
      agent_id: agentId,
      ...chat,
    });
    if (!result.isError) return { admitted: true };
    expect(result.text).toMatch(/^GW_ERR_RATE_LIMITED: /);
    const retryIn = /Retry in (\d+) s/.exec(result.text)?.[1];
    return { admitted: false, message: result.text, retryAfter: retryIn ? Number(retryIn) : undefined };
  };
}

function sdkSender(harness: Harness) {
  return async (projectId: string, agentId: string): Promise<Outcome> => {
    const client = openAiClient(harness, "unused", { "x-project-id": projectId, "x-agent-id": agentId });
    const error = await client.chat.completions.create(chat).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    if (error === undefined) return { admitted: true };
    if (!(error instanceof OpenAI.RateLimitError)) throw error;
    expect(error).toMatchObject({ status: 429, code: "GW_ERR_RATE_LIMITED", type: "rate_limit_error" });
    const retryAfter = error.headers?.get("retry-after");
    return {
      admitted: false,
      message: error.message,
      retryAfter: retryAfter ? Number(retryAfter) : undefined,
    };
  };
}

describe("rate limits (requests per minute per project and per agent)", () => {
  describe("on one gateway", () => {
    let harness: Harness;
    let mcp: Client;
    beforeAll(async () => {
      harness = await startHarness({ providers: ["openai"], configYaml: rateLimitsYaml });
      mcp = await connectMcp(harness.url);
    });
    afterAll(async () => {
      await mcp.close();
      await harness.close();
    });

    it("MCP: the agent's 3rd and the project's 4th request are refused, other projects are not", async () => {
      await inOneRateWindow((run) => expectLimits(mcpSender(mcp), harness, `mcp-${run}`));
    });

    it("/v1: the SDK raises RateLimitError with retry-after, other projects unaffected", async () => {
      await inOneRateWindow((run) => expectLimits(sdkSender(harness), harness, `sdk-${run}`));
    });

    it("counts both doors against the same limit", async () => {
      await inOneRateWindow(async (run) => {
        const project = `rl-both-${run}`;
        const viaMcp = mcpSender(mcp);
        const viaSdk = sdkSender(harness);
        expect((await viaMcp(project, "a1")).admitted).toBe(true);
        expect((await viaSdk(project, "a1")).admitted).toBe(true);
        expect((await viaSdk(project, "a1")).admitted).toBe(false);
        expect((await viaMcp(project, "a1")).admitted).toBe(false);
      });
    });
  });

  describe("two replicas sharing Redis", () => {
    let replicas: Replicas;
    beforeAll(async () => {
      replicas = await startRedisReplicas(2, { providers: ["openai"], configYaml: rateLimitsYaml });
    });
    afterAll(async () => replicas.close());

    it("shares the counts: requests through either replica use the same minute's allowance", async () => {
      const [first, second] = replicas.harnesses as [Harness, Harness];
      await inOneRateWindow(async (run) => {
        const project = `rl-shared-${run}`;
        const calls = () => upstreamCalls(first) + upstreamCalls(second);
        const callsBefore = calls();
        const [viaFirst, viaSecond] = [sdkSender(first), sdkSender(second)];
        expect((await viaFirst(project, "a1")).admitted).toBe(true);
        expect((await viaSecond(project, "a2")).admitted).toBe(true);
        expect((await viaSecond(project, "a3")).admitted).toBe(true);
        // The project's 3 are used on two replicas: each refuses the 4th.
        const refused = [await viaFirst(project, "a4"), await viaSecond(project, "a5")];
        for (const outcome of refused) expect(outcome.admitted).toBe(false);
        // The agent limit on a fresh project: one through each replica, the 3rd refused.
        const agentProject = `rl-shared-agent-${run}`;
        expect((await viaFirst(agentProject, "a1")).admitted).toBe(true);
        expect((await viaSecond(agentProject, "a1")).admitted).toBe(true);
        const agentRefused = await viaFirst(agentProject, "a1");
        if (agentRefused.admitted) throw new Error("the agent limit was not shared");
        expect(agentRefused.message).toContain(`agent "a1" in project "${agentProject}" may send 2`);
        expect(calls() - callsBefore).toBe(5);
      });
    });
  });
});
