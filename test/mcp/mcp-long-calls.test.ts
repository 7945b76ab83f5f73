import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ControlledStream, type FakeResponse } from "../../src/fakes/fake-upstream-server.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

/**
 * Issue 25, points 1 and 2: a call whose provider keeps writing is never cut
 * by the request timeout (here 2 s, the answer takes ~5 s); silence and the
 * whole call have their own bounds; a tools/call response opens at once and
 * reports progress at least every LLM_GATEWAY_PROGRESS_INTERVAL_SECONDS.
 */
const slowPieces = Array.from({ length: 25 }, (_, index) => `word${index} `);
const slowAnswer = slowPieces.join("");
const slowChunkMs = 200;
const question = [{ role: "user", content: "Write slowly." }];

interface Progress {
  at: number;
  progress: number;
  message?: string;
}

async function connect(url: string, era: "legacy" | "modern", headerTimes: number[]): Promise<Client> {
  const client = new Client(
    { name: "long-call-test", version: "1.0.0" },
    era === "modern" ? { versionNegotiation: { mode: { pin: "2026-07-28" } } } : {},
  );
  // Records when each tools/call response's status and headers arrived: fetch resolves then.
  const timedFetch = async (input: string | URL | Request, init?: RequestInit) => {
    const sent = Date.now();
    const response = await fetch(input, init);
    if (typeof init?.body === "string" && init.body.includes('"tools/call"'))
      headerTimes.push(Date.now() - sent);
    return response;
  };
  await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", url), { fetch: timedFetch }));
  return client;
}

async function callWithProgress(client: Client, args: Record<string, unknown>) {
  const updates: Progress[] = [];
  const started = Date.now();
  const result = await client.callTool(
    { name: "chat_completion", arguments: args },
    {
      onprogress: (update) => updates.push({ at: Date.now() - started, ...update }),
      resetTimeoutOnProgress: true,
    },
  );
  const text = (result.content as Array<{ text?: string }>).map((block) => block.text ?? "").join("\n");
  return { result, text, updates, elapsedMs: Date.now() - started };
}

function longestSilenceMs(updates: Progress[], elapsedMs: number): number {
  const times = [0, ...updates.map((update) => update.at), elapsedMs];
  return Math.max(...times.slice(1).map((time, index) => time - (times[index] as number)));
}

async function usageOf(harness: Harness, projectId: string) {
  const response = await fetch(`${harness.url}/v1/usage?project_id=${projectId}&period=all`);
  return (await response.json()) as { requests: number; output_tokens: number };
}

describe("long calls through the MCP door", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      providers: ["anthropic", "openai"],
      env: {
        LLM_GATEWAY_REQUEST_TIMEOUT_SECONDS: "2",
        LLM_GATEWAY_PROGRESS_INTERVAL_SECONDS: "1",
        LLM_GATEWAY_MAX_RETRIES: "0",
      },
    });
  });
  afterAll(async () => harness.close());

  for (const era of ["legacy", "modern"] as const) {
    it(`${era} client: a 5 s answer completes under a 2 s request timeout, its response open at once, progress every second`, async () => {
      const { openai } = harness.fakes;
      openai.server.reset();
      openai.enqueueChat(openai.replies.stream(slowPieces, { chunkDelayMs: slowChunkMs }));
      const headerTimes: number[] = [];
      const client = await connect(harness.url, era, headerTimes);
      const project = `proj-long-${era}`;
      const { result, updates, elapsedMs } = await callWithProgress(client, {
        project_id: project,
        agent_id: "agent-1",
        model: "gpt-4.1-mini",
        messages: question,
      });
      await client.close();

      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ content: slowAnswer, model: "gpt-4.1-mini" });
      expect(elapsedMs).toBeGreaterThan(4_000);
      // One provider call, asked to stream, never retried nor failed over.
      expect(openai.chatCalls()).toHaveLength(1);
      expect(openai.chatCalls()[0]?.body).toMatchObject({ stream: true });
      expect(headerTimes).toHaveLength(1);
      expect(headerTimes[0]).toBeLessThan(1_000);

      expect(updates.length).toBeGreaterThanOrEqual(4);
      expect(longestSilenceMs(updates, elapsedMs)).toBeLessThan(1_600);
      expect(updates[0]?.message).toMatch(/^waiting for gpt-4\.1-mini \(openai\)/);
      expect(updates.map((update) => update.message)).toContainEqual(
        expect.stringMatching(/^gpt-4\.1-mini \(openai\) is answering \(\d+ s\): about \d+ tokens so far$/),
      );
      const progressValues = updates.map((update) => update.progress);
      expect(progressValues).toEqual([...progressValues].sort((a, b) => a - b));
      expect(new Set(progressValues).size).toBe(progressValues.length);
      console.log(
        `${era}: ${elapsedMs} ms answer under a 2 s request timeout; headers after ${headerTimes[0]} ms; ` +
          `progress at ${updates.map((update) => update.at).join(", ")} ms`,
      );
      expect(await usageOf(harness, project)).toMatchObject({ requests: 1 });
    });
  }

  it("says at once when it fails over, naming the model that failed and why", async () => {
    const { anthropic, openai } = harness.fakes;
    anthropic.server.reset();
    openai.server.reset();
    anthropic.enqueueChat(anthropic.replies.error(500, "Internal server error"));
    openai.enqueueChat(openai.replies.stream(["fine"]));
    const client = await connect(harness.url, "modern", []);
    const { result, updates } = await callWithProgress(client, {
      project_id: "proj-long-failover",
      agent_id: "agent-1",
      model_group: "fast",
      messages: question,
    });
    await client.close();
    expect(result.isError).toBeFalsy();
    expect(updates.map((update) => update.message)).toContainEqual(
      expect.stringMatching(
        /^claude-haiku \(anthropic\) failed \(.*500.*\); waiting for gpt-4\.1-mini \(openai\) \(0 s\)$/,
      ),
    );
  });

  it("a non-streamed /v1 call that outlasts the request timeout completes too", async () => {
    const { openai } = harness.fakes;
    openai.server.reset();
    openai.enqueueChat(openai.replies.stream(slowPieces, { chunkDelayMs: slowChunkMs }));
    const started = Date.now();
    const response = await fetch(`${harness.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-project-id": "proj-long-v1" },
      body: JSON.stringify({ model: "gpt-4.1-mini", messages: question }),
    });
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThan(4_000);
    expect(body.choices[0]?.message.content).toBe(slowAnswer);
    expect(openai.chatCalls()).toHaveLength(1);
  });
});

describe("bounds on a call in progress", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      providers: ["openai"],
      env: {
        LLM_GATEWAY_IDLE_TIMEOUT_SECONDS: "1",
        LLM_GATEWAY_MAX_CALL_SECONDS: "2",
        LLM_GATEWAY_MAX_RETRIES: "0",
      },
    });
  });
  afterAll(async () => harness.close());

  const ask = async (project: string) => {
    const client = await connect(harness.url, "legacy", []);
    const outcome = await callWithProgress(client, {
      project_id: project,
      agent_id: "agent-1",
      model: "gpt-4.1-mini",
      messages: question,
    });
    await client.close();
    return outcome;
  };

  it("a provider silent for LLM_GATEWAY_IDLE_TIMEOUT_SECONDS after it started answering is stopped, never silently replaced, and what it wrote is booked", async () => {
    const { openai } = harness.fakes;
    openai.server.reset();
    const stalling = new ControlledStream();
    openai.enqueueChat({ type: "controlled", stream: stalling });
    const events = (openai.replies.stream(["first words"]) as Extract<FakeResponse, { type: "sse" }>).events;
    void stalling.opened().then(() => {
      stalling.send(events[0] as (typeof events)[number]);
      stalling.send(events[1] as (typeof events)[number]);
    });
    const { result, text, elapsedMs } = await ask("proj-idle");
    expect(result.isError).toBe(true);
    expect(text).toMatch(/^GW_ERR_STREAM_INTERRUPTED: .*failed after it had started answering/);
    expect(elapsedMs).toBeLessThan(5_000);
    await stalling.closed();
    expect(stalling.closedByClient).toBe(true);
    expect(openai.chatCalls()).toHaveLength(1);
    expect(await usageOf(harness, "proj-idle")).toMatchObject({ requests: 1 });
  });

  it("a call that runs past LLM_GATEWAY_MAX_CALL_SECONDS is stopped with GW_ERR_DEADLINE_EXCEEDED, what was produced booked", async () => {
    const { openai } = harness.fakes;
    openai.server.reset();
    // Never silent for the idle timeout, but 5 s in all.
    openai.enqueueChat(openai.replies.stream(slowPieces, { chunkDelayMs: slowChunkMs }));
    const { result, text, elapsedMs } = await ask("proj-max-call");
    expect(result.isError).toBe(true);
    expect(text).toMatch(/^GW_ERR_DEADLINE_EXCEEDED: The call ran for 2 s \(LLM_GATEWAY_MAX_CALL_SECONDS\)/);
    expect(elapsedMs).toBeGreaterThanOrEqual(1_900);
    expect(elapsedMs).toBeLessThan(4_000);
    await expect.poll(() => openai.chatCalls()[0]?.clientClosedEarly).toBe(true);
    const usage = await usageOf(harness, "proj-max-call");
    expect(usage.requests).toBe(1);
    expect(usage.output_tokens).toBeGreaterThan(0);
  });
});
