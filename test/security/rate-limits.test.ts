import { randomUUID } from "node:crypto";
import type { Client } from "@modelcontextprotocol/client";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeWithRedis } from "../../src/usage/shared-test-redis.js";
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

  describe("a client key pinned to its agent ids", () => {
    const pinnedKey = "ck-test-pinned-agents-5c4b3a2918";
    let harness: Harness;
    let mcp: Client;
    beforeAll(async () => {
      harness = await startHarness({
        providers: ["openai"],
        configYaml: rateLimitsYaml,
        env: { LLM_GATEWAY_API_KEYS: `${pinnedKey}=*@bot-1|bot-2` },
      });
      mcp = await connectMcp(harness.url, { headers: { authorization: `Bearer ${pinnedKey}` } });
    });
    afterAll(async () => {
      await mcp.close();
      await harness.close();
    });

    it("/v1: rotating agent ids past the per-agent limit is refused with 403, nothing reaches a provider", async () => {
      await inOneRateWindow(async (run) => {
        const project = `rl-pinned-${run}`;
        const as = (agentId: string) =>
          openAiClient(harness, pinnedKey, { "x-project-id": project, "x-agent-id": agentId });
        await as("bot-1").chat.completions.create(chat);
        await as("bot-1").chat.completions.create(chat);
        await expect(as("bot-1").chat.completions.create(chat)).rejects.toBeInstanceOf(OpenAI.RateLimitError);
        const callsBefore = upstreamCalls(harness);
        for (const rotated of ["bot-3", "bot-4", "bot-1x", "default"]) {
          const refused = await as(rotated)
            .chat.completions.create(chat)
            .catch((error: unknown) => error);
          expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
          expect(refused).toMatchObject({ status: 403, code: "GW_ERR_FORBIDDEN_AGENT", param: "agent_id" });
          expect((refused as Error).message).toContain(
            `may not act as agent "${rotated}"; it is pinned to the agent ids: bot-1, bot-2`,
          );
          await expect(
            as(rotated).embeddings.create({ model: "embedding", input: "x" }),
          ).rejects.toMatchObject({
            status: 403,
            code: "GW_ERR_FORBIDDEN_AGENT",
          });
        }
        // Two pinned ids and no x-agent-id header: the caller must say which.
        const unnamed = openAiClient(harness, pinnedKey, { "x-project-id": project });
        await expect(unnamed.chat.completions.create(chat)).rejects.toMatchObject({
          status: 400,
          param: "x-agent-id",
        });
        expect(upstreamCalls(harness)).toBe(callsBefore);
        // The other pinned id still has its own allowance.
        await expect(as("bot-2").chat.completions.create(chat)).resolves.toBeTruthy();
      });
    });

    it("MCP: every tool refuses an agent id the key is not pinned to", async () => {
      await inOneRateWindow(async (run) => {
        const project = `rl-pinned-mcp-${run}`;
        const send = mcpSender(mcp);
        expect(await send(project, "bot-1")).toEqual({ admitted: true });
        expect(await send(project, "bot-1")).toEqual({ admitted: true });
        expect((await send(project, "bot-1")).admitted).toBe(false);
        const callsBefore = upstreamCalls(harness);
        const caller = { project_id: project, agent_id: "bot-9" };
        for (const [tool, args] of [
          ["chat_completion", { ...caller, ...chat }],
          ["create_embeddings", { ...caller, input: "x", model_group: "embedding" }],
          ["get_usage", caller],
          ["list_models", caller],
          ["count_tokens", { ...caller, text: "hello" }],
        ] as const) {
          const refused = await callTool(mcp, tool, args);
          expect(refused.isError, tool).toBe(true);
          expect(refused.text, tool).toMatch(
            /^GW_ERR_FORBIDDEN_AGENT: This client key may not act as agent "bot-9"/,
          );
        }
        expect(upstreamCalls(harness)).toBe(callsBefore);
        const allowed = await callTool(mcp, "get_usage", { project_id: project, agent_id: "bot-2" });
        expect(allowed.isError).toBe(false);
        expect(Object.keys(allowed.structured.by_agent as object)).toEqual(["bot-1"]);
      });
    });
  });

  describeWithRedis("two replicas sharing Redis", () => {
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

describe("rate limits (tokens per minute: input + output, as booked)", () => {
  /** Every project may use 1,000 tokens a minute. */
  const tpmYaml = "rate_limits: { default_project_tpm: 1000 }\n";
  /** The fake's usage for one answer: the project's whole minute. */
  const wholeMinute = { inputTokens: 600, outputTokens: 400 };

  async function sdkRefusal(promise: Promise<unknown>) {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    if (!(error instanceof OpenAI.RateLimitError)) throw new Error(`expected a RateLimitError, got ${error}`);
    expect(error).toMatchObject({ status: 429, code: "GW_ERR_RATE_LIMITED", type: "rate_limit_error" });
    return { message: error.message, retryAfter: error.headers?.get("retry-after") ?? undefined };
  }

  describe("on one gateway", () => {
    let harness: Harness;
    let mcp: Client;
    beforeAll(async () => {
      harness = await startHarness({ providers: ["openai"], configYaml: tpmYaml });
      mcp = await connectMcp(harness.url);
    });
    afterAll(async () => {
      await mcp.close();
      await harness.close();
    });

    const sdk = (project: string) => openAiClient(harness, "unused", { "x-project-id": project });

    it("/v1: once a request's booked tokens used the minute, the next is refused with 429 and retry-after", async () => {
      await inOneRateWindow(async (run) => {
        const project = `tpm-${run}`;
        const { openai } = harness.fakes;
        const callsBefore = upstreamCalls(harness);
        openai.enqueueChat(openai.replies.text("ok", wholeMinute));
        await sdk(project).chat.completions.create(chat);
        const refused = await sdkRefusal(sdk(project).chat.completions.create(chat));
        expect(refused.message).toMatch(
          new RegExp(
            `^429 Rate limit exceeded: project "${project}" may use 1000 tokens per minute; 1000 are used this minute and this request's input is estimated at \\d+\\. Retry in \\d+ s`,
          ),
        );
        expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60);
        expect(upstreamCalls(harness) - callsBefore).toBe(1);
        // Another project has its own minute.
        openai.enqueueChat(openai.replies.text("ok", { inputTokens: 5, outputTokens: 5 }));
        await expect(sdk(`tpm-other-${run}`).chat.completions.create(chat)).resolves.toBeTruthy();
      });
    });

    it("/v1: a streamed answer is counted at its final usage", async () => {
      await inOneRateWindow(async (run) => {
        const project = `tpm-stream-${run}`;
        const { openai } = harness.fakes;
        openai.enqueueChat(
          openai.replies.stream(["Hel", "lo"], { usage: { inputTokens: 20, outputTokens: 980 } }),
        );
        const stream = await sdk(project).chat.completions.create({ ...chat, stream: true });
        for await (const _chunk of stream) {
          // read to the end: the usage comes last
        }
        // The reservation was a few tokens of "Say hello"; the stream's final usage filled the minute.
        const refused = await sdkRefusal(sdk(project).chat.completions.create(chat));
        expect(refused.message).toContain("1000 are used this minute");
      });
    });

    it("/v1: a request that failed before anything was booked gives its reservation back", async () => {
      await inOneRateWindow(async (run) => {
        const project = `tpm-failed-${run}`;
        const { openai } = harness.fakes;
        // ~700 tokens estimated: two such requests never fit one minute together.
        const long = [{ role: "user" as const, content: "word ".repeat(700) }];
        openai.enqueueChat(openai.replies.error(400, "this request is refused upstream"));
        await expect(
          sdk(project).chat.completions.create({ ...chat, messages: long }),
        ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
        openai.enqueueChat(openai.replies.text("ok", { inputTokens: 700, outputTokens: 1 }));
        await expect(sdk(project).chat.completions.create({ ...chat, messages: long })).resolves.toBeTruthy();
        await sdkRefusal(sdk(project).chat.completions.create({ ...chat, messages: long }));
      });
    });

    it("/v1: a stream cut after it started answering counts what was booked for it", async () => {
      await inOneRateWindow(async (run) => {
        const project = `tpm-cut-${run}`;
        const { openai } = harness.fakes;
        const long = [{ role: "user" as const, content: "word ".repeat(700) }];
        openai.enqueueChat(openai.replies.stream(["Hel", "lo", " there"], { cutAfter: 2 }));
        const cut = await sdk(project)
          .chat.completions.create({ ...chat, messages: long })
          .catch((error: unknown) => error);
        expect(cut).toBeInstanceOf(OpenAI.APIError);
        expect(cut).toMatchObject({ code: "GW_ERR_STREAM_INTERRUPTED" });
        // Its prompt (~700 tokens, counted by the gateway) and the delivered "Hello" are booked: a second
        // such prompt no longer fits the minute, as it would had the cut call been released.
        const refused = await sdkRefusal(sdk(project).chat.completions.create({ ...chat, messages: long }));
        expect(Number(/; (\d+) are used this minute/.exec(refused.message)?.[1])).toBeGreaterThan(700);
      });
    });

    it("/v1: a prompt larger than the whole limit is refused as such, without retry-after or a provider call", async () => {
      const callsBefore = upstreamCalls(harness);
      const huge = [{ role: "user" as const, content: "word ".repeat(3_000) }];
      const refused = await sdkRefusal(sdk("tpm-huge").chat.completions.create({ ...chat, messages: huge }));
      expect(refused.message).toMatch(
        /^429 Request too large for the rate limit: its input is estimated at \d+ tokens, more than the 1000 tokens per minute project "tpm-huge" may use, so it can never be admitted/,
      );
      expect(refused.retryAfter).toBeUndefined();
      expect(upstreamCalls(harness)).toBe(callsBefore);
    });

    it("a managed key's own limits hold across every project it acts for", async () => {
      await inOneRateWindow(async (run) => {
        const { openai } = harness.fakes;
        // As authentication builds it for a key of the admin API.
        const keyed = (keyId: string, limits: { requestsPerMinute?: number; tokensPerMinute?: number }) => ({
          keyName: keyId,
          projects: "*" as const,
          keyId,
          limits,
        });
        const send = (principal: ReturnType<typeof keyed>, project: string) =>
          harness.gateway.completeChat(
            { modelGroup: "fast", messages: chat.messages },
            {
              projectId: `tpm-key-${project}-${run}`,
              agentId: "a1",
              door: "mcp",
              requestId: randomUUID(),
              principal,
            },
            { signal: new AbortController().signal },
          );
        const refusal = (promise: Promise<unknown>) =>
          promise.then(
            () => {
              throw new Error("admitted, expected a refusal");
            },
            (error: unknown) => {
              expect(error).toMatchObject({ code: "GW_ERR_RATE_LIMITED" });
              return (error as Error).message;
            },
          );
        const tokensKey = keyed(`key_t${run}`, { tokensPerMinute: 1500 });
        openai.enqueueChat(openai.replies.text("ok", { inputTokens: 500, outputTokens: 300 }));
        openai.enqueueChat(openai.replies.text("ok", { inputTokens: 500, outputTokens: 300 }));
        await send(tokensKey, "a");
        // Each project has its own 1,000 tokens; the key's 1,500 are shared by both.
        await send(tokensKey, "b");
        expect(await refusal(send(tokensKey, "c"))).toContain(
          `client key key_t${run} may use 1500 tokens per minute; 1600 are used this minute`,
        );
        const requestsKey = keyed(`key_r${run}`, { requestsPerMinute: 3 });
        for (const project of ["d", "e", "f"]) {
          openai.enqueueChat(openai.replies.text("ok", { inputTokens: 5, outputTokens: 5 }));
          await send(requestsKey, project);
        }
        expect(await refusal(send(requestsKey, "g"))).toContain(
          `client key key_r${run} may send 3 requests per minute`,
        );
      });
    });

    it("MCP: chat_completion is refused with a tool error once the project's tokens are used", async () => {
      await inOneRateWindow(async (run) => {
        const project = `tpm-mcp-${run}`;
        const { openai } = harness.fakes;
        openai.enqueueChat(openai.replies.text("ok", wholeMinute));
        const caller = { project_id: project, agent_id: "a1" };
        expect((await callTool(mcp, "chat_completion", { ...caller, ...chat })).isError).toBe(false);
        const callsBefore = upstreamCalls(harness);
        const refused = await callTool(mcp, "chat_completion", { ...caller, ...chat });
        expect(refused.isError).toBe(true);
        expect(refused.text).toMatch(
          new RegExp(
            `^GW_ERR_RATE_LIMITED: Rate limit exceeded: project "${project}" may use 1000 tokens per minute; 1000 are used`,
          ),
        );
        // count_tokens spends no tokens: a TPM limit does not stop it.
        expect((await callTool(mcp, "count_tokens", { ...caller, text: "hello" })).isError).toBe(false);
        expect(upstreamCalls(harness)).toBe(callsBefore);
      });
    });
  });

  describeWithRedis("two replicas sharing Redis", () => {
    let replicas: Replicas;
    beforeAll(async () => {
      replicas = await startRedisReplicas(2, { providers: ["openai"], configYaml: tpmYaml });
    });
    afterAll(async () => replicas.close());

    it("tokens booked through one replica fill the minute on the other", async () => {
      const [first, second] = replicas.harnesses as [Harness, Harness];
      await inOneRateWindow(async (run) => {
        const project = `tpm-shared-${run}`;
        first.fakes.openai.enqueueChat(first.fakes.openai.replies.text("ok", wholeMinute));
        await openAiClient(first, "unused", { "x-project-id": project }).chat.completions.create(chat);
        const refused = await sdkRefusal(
          openAiClient(second, "unused", { "x-project-id": project }).chat.completions.create(chat),
        );
        expect(refused.message).toContain("1000 are used this minute");
      });
    });
  });
});
