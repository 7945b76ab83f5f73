import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeProvider } from "../../src/fakes/fake-provider.js";
import { createFakeOpenAi } from "../../src/fakes/openai/fake-openai.js";
import { expectClientLeftLoggedAsWarnOnly } from "../helpers/client-left-logs.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";
import { spawnGateway } from "../helpers/spawn-gateway.js";

/** Issue 25, point 3: `background: true`, get_job and cancel_job through the MCP SDK client over HTTP. */
const caller = { project_id: "proj-jobs", agent_id: "agent-1" };
const question = { model: "gpt-4.1-mini", messages: [{ role: "user", content: "Count slowly" }] };
const slowPieces = Array.from({ length: 40 }, (_, index) => `piece${index} `);

interface JobState {
  job_id: string;
  status: string;
  partial_text?: string;
  content?: string;
  [field: string]: unknown;
}

async function usageOf(client: Client, projectId: string) {
  const usage = await callTool<{ requests: number; output_tokens: number }>(client, "get_usage", {
    project_id: projectId,
    agent_id: "agent-1",
    period: "all",
  });
  return usage.structured;
}

/** What differs between two calls of the same answer: ids, timings, the conversation each started. */
function withoutCallIds(structured: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, latency_ms: _latency, conversation_id: _conversation, ...rest } = structured;
  return rest;
}

describe("background calls on the MCP door", () => {
  let harness: Harness;
  let client: Client;
  beforeAll(async () => {
    harness = await startHarness({ providers: ["openai"] });
    client = await connectMcp(harness.url);
  });
  afterAll(async () => {
    await client.close();
    await harness.close();
  });

  it("answers at once with a job id while the provider still writes; get_job with a wait returns what a direct call returns", async () => {
    const { openai } = harness.fakes;
    const usage = { inputTokens: 12, outputTokens: 7 };
    openai.enqueueChat(openai.replies.stream(["Hello", " from", " afar."], { usage }));
    const direct = await callTool(client, "chat_completion", { ...caller, ...question });
    expect(direct.isError).toBe(false);

    openai.enqueueChat(openai.replies.stream(["Hello", " from", " afar."], { usage, delayMs: 1_500 }));
    const started = await callTool<JobState>(client, "chat_completion", {
      ...caller,
      ...question,
      background: true,
    });
    expect(started.isError).toBe(false);
    expect(started.structured).toEqual({
      job_id: expect.stringMatching(/^job_/),
      status: "running",
      partial_text: "",
    });
    // The provider holds its answer 1.5 s: a call that waited for it could not say "running".
    const running = await callTool<JobState>(client, "get_job", {
      ...caller,
      job_id: started.structured.job_id,
    });
    expect(running.structured.status).toBe("running");

    const done = await callTool<JobState>(client, "get_job", {
      ...caller,
      job_id: started.structured.job_id,
      wait_seconds: 20,
    });
    expect(done.isError).toBe(false);
    const { job_id, status, ...answer } = done.structured;
    expect({ job_id, status }).toEqual({ job_id: started.structured.job_id, status: "succeeded" });
    expect(withoutCallIds(answer)).toEqual(withoutCallIds(direct.structured));
    expect(answer).toMatchObject({
      content: "Hello from afar.",
      conversation_id: expect.stringMatching(/^conv_/),
    });
    const sameText = (text: string) => text.replace(/conv_[\w-]+/, "conv_…");
    expect(sameText(done.text)).toBe(sameText(direct.text));
  });

  it("shows the text so far while a slow stream runs", async () => {
    const { openai } = harness.fakes;
    openai.enqueueChat(openai.replies.stream(slowPieces, { chunkDelayMs: 100 }));
    const started = await callTool<JobState>(client, "chat_completion", {
      ...caller,
      ...question,
      background: true,
    });
    let partial: JobState | undefined;
    await expect
      .poll(
        async () => {
          partial = (
            await callTool<JobState>(client, "get_job", { ...caller, job_id: started.structured.job_id })
          ).structured;
          return partial.partial_text ?? "";
        },
        { timeout: 5_000, interval: 200 },
      )
      .toMatch(/^piece0 piece1 /);
    expect(partial?.status).toBe("running");
    expect(slowPieces.join("").startsWith(partial?.partial_text ?? "-")).toBe(true);
    expect(partial?.partial_text?.length).toBeLessThan(slowPieces.join("").length);
    const done = await callTool<JobState>(client, "get_job", {
      ...caller,
      job_id: started.structured.job_id,
      wait_seconds: 20,
    });
    expect(done.structured).toMatchObject({ status: "succeeded", content: slowPieces.join("") });
  });

  it("cancel_job stops the upstream stream, answers cancelled with the text so far, and books what was produced", async () => {
    const { openai } = harness.fakes;
    openai.server.reset();
    openai.enqueueChat(
      openai.replies.stream(slowPieces, { chunkDelayMs: 100, usage: { inputTokens: 9, outputTokens: 80 } }),
    );
    const project = { ...caller, project_id: "proj-jobs-cancel" };
    const started = await callTool<JobState>(client, "chat_completion", {
      ...project,
      ...question,
      background: true,
    });
    await expect
      .poll(
        async () => {
          const job = await callTool<JobState>(client, "get_job", {
            ...project,
            job_id: started.structured.job_id,
          });
          return job.structured.partial_text?.length ?? 0;
        },
        { timeout: 5_000, interval: 200 },
      )
      .toBeGreaterThan(0);
    const cancelled = await callTool<JobState>(client, "cancel_job", {
      ...project,
      job_id: started.structured.job_id,
    });
    expect(cancelled.isError).toBe(false);
    expect(cancelled.structured).toMatchObject({ job_id: started.structured.job_id, status: "cancelled" });
    expect(slowPieces.join("").startsWith(cancelled.structured.partial_text ?? "-")).toBe(true);
    const [upstream] = openai.chatCalls();
    await expect.poll(() => upstream?.clientClosedEarly, { timeout: 2_000 }).toBe(true);
    await expect.poll(async () => (await usageOf(client, project.project_id)).requests).toBe(1);
    const booked = await usageOf(client, project.project_id);
    expect(booked.output_tokens).toBeGreaterThan(0);
    expect(booked.output_tokens).toBeLessThan(40);
    // The cancelled call is its client's doing: one warn line GW_ERR_CLIENT_CLOSED, no error.
    await expectClientLeftLoggedAsWarnOnly(harness, project.project_id);
    // Cancelling again, or reading it, answers the same final state.
    const again = await callTool<JobState>(client, "cancel_job", {
      ...project,
      job_id: started.structured.job_id,
    });
    expect(again.structured).toEqual(cancelled.structured);
  });

  it("a failed job answers the error result a direct call gives", async () => {
    const { openai } = harness.fakes;
    openai.enqueueChat(openai.replies.error(400, "This model's maximum context length is exceeded."));
    const direct = await callTool(client, "chat_completion", { ...caller, ...question });
    expect(direct.isError).toBe(true);
    openai.enqueueChat(openai.replies.error(400, "This model's maximum context length is exceeded."));
    const started = await callTool<JobState>(client, "chat_completion", {
      ...caller,
      ...question,
      background: true,
    });
    const failed = await callTool(client, "get_job", {
      ...caller,
      job_id: started.structured.job_id,
      wait_seconds: 20,
    });
    expect(failed.isError).toBe(true);
    expect(failed.text).toBe(direct.text);
  });

  it("refuses another project's job exactly like an unknown one, and leaves it running", async () => {
    const { openai } = harness.fakes;
    openai.server.reset();
    openai.enqueueChat(openai.replies.stream(slowPieces, { chunkDelayMs: 50 }));
    const started = await callTool<JobState>(client, "chat_completion", {
      ...caller,
      ...question,
      background: true,
    });
    const jobId = started.structured.job_id;
    const foreign = { project_id: "proj-other", agent_id: "agent-1", job_id: jobId };
    const read = await callTool(client, "get_job", foreign);
    const cancel = await callTool(client, "cancel_job", foreign);
    const unknown = await callTool(client, "get_job", { ...foreign, job_id: "job_doesnotexist" });
    expect(read.isError).toBe(true);
    expect(read.text).toBe(
      `GW_ERR_UNKNOWN_JOB: No job "${jobId}" in this project (unknown, expired, or another project's).`,
    );
    expect(cancel.text).toBe(read.text);
    expect(unknown.text).toBe(read.text.replace(jobId, "job_doesnotexist"));
    const done = await callTool<JobState>(client, "get_job", { ...caller, job_id: jobId, wait_seconds: 20 });
    expect(done.structured.status).toBe("succeeded");
  });

  it("refuses wait_seconds above 50, background with stream, and background with models, spending nothing", async () => {
    const { openai } = harness.fakes;
    openai.server.reset();
    const tooLong = await callTool(client, "get_job", { ...caller, job_id: "job_x", wait_seconds: 51 });
    expect(tooLong.isError).toBe(true);
    expect(tooLong.text).toMatch(/wait_seconds[\s\S]*at most 50/);
    const streamed = await callTool(client, "chat_completion", {
      ...caller,
      ...question,
      background: true,
      stream: true,
    });
    expect(streamed.isError).toBe(true);
    expect(streamed.text).toMatch(/^GW_ERR_INVALID_REQUEST: `stream` does not apply with `background`/);
    const { model: _model, ...withoutModel } = question;
    const fannedOut = await callTool(client, "chat_completion", {
      ...caller,
      ...withoutModel,
      models: ["gpt-4.1-mini", "gpt-4.1"],
      background: true,
    });
    expect(fannedOut.isError).toBe(true);
    expect(fannedOut.text).toMatch(/^GW_ERR_INVALID_REQUEST: `models` cannot run in the background yet/);
    const unknownGroup = await callTool(client, "chat_completion", {
      ...caller,
      messages: question.messages,
      model_group: "no-such-group",
      background: true,
    });
    expect(unknownGroup.isError).toBe(true);
    expect(unknownGroup.text).toMatch(/^GW_ERR_UNKNOWN_MODEL_GROUP/);
    expect(openai.chatCalls()).toHaveLength(0);
  });

  it("continues a conversation in the background", async () => {
    const { openai } = harness.fakes;
    openai.enqueueChat(openai.replies.stream(["First."]));
    const opened = await callTool<JobState>(client, "chat_completion", { ...caller, ...question });
    openai.server.reset();
    openai.enqueueChat(openai.replies.stream(["Second."]));
    const started = await callTool<JobState>(client, "chat_completion", {
      ...caller,
      ...question,
      conversation_id: opened.structured.conversation_id,
      background: true,
    });
    const done = await callTool<JobState>(client, "get_job", {
      ...caller,
      job_id: started.structured.job_id,
      wait_seconds: 20,
    });
    expect(done.structured).toMatchObject({
      content: "Second.",
      conversation_id: opened.structured.conversation_id,
    });
    const sent = (openai.chatCalls()[0]?.body as { messages: Array<{ content: unknown }> } | undefined)
      ?.messages;
    expect(sent?.map((message) => message.content)).toEqual(["Count slowly", "First.", "Count slowly"]);
  });
});

describe("a gateway process shut down with SIGTERM while a job runs", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "llmgw-jobs-sigterm-"));
  let openai: FakeProvider;
  const env = () => ({
    LLM_GATEWAY_DATA_DIR: dataDir,
    OPENAI_API_KEY: "sk-jobs",
    OPENAI_BASE_URL: openai.baseUrl,
  });
  beforeAll(async () => {
    openai = await createFakeOpenAi();
  });
  afterAll(async () => {
    await openai.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers the get_job waiting on it, stops the provider's stream, and leaves the job lost for the next process", async () => {
    openai.enqueueChat(openai.replies.stream(slowPieces, { chunkDelayMs: 200 }));
    const first = await spawnGateway(env());
    const client = await connectMcp(first.url);
    const started = await callTool<JobState>(client, "chat_completion", {
      ...caller,
      ...question,
      background: true,
    });
    await expect.poll(() => openai.chatCalls().length).toBe(1);
    const waiting = callTool(client, "get_job", {
      ...caller,
      job_id: started.structured.job_id,
      wait_seconds: 50,
    });
    // The wait is under way before the signal: shutdown must end it, not outlast it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopped = first.stop("SIGTERM");
    const answered = await waiting;
    expect(answered.isError).toBe(true);
    expect(answered.text).toMatch(/^GW_ERR_JOB_LOST: The gateway replica running this job shut down/);
    expect(await stopped).toBe(0);
    expect(openai.chatCalls()[0]?.clientClosedEarly).toBe(true);
    // The job's call is logged as lost with its replica, not as a client that left or a fault.
    expect(
      first.logs.filter((line) => line.project === caller.project_id).map((line) => line.errorCode),
    ).toEqual(["GW_ERR_JOB_LOST"]);
    await client.close();

    const second = await spawnGateway(env());
    try {
      const next = await connectMcp(second.url);
      const read = await callTool(next, "get_job", { ...caller, job_id: started.structured.job_id });
      expect(read.text).toBe(answered.text);
      const usage = await callTool<{ requests: number }>(next, "get_usage", { ...caller, period: "all" });
      expect(usage.structured.requests).toBeGreaterThan(0);
      await next.close();
    } finally {
      await second.stop();
    }
  });
});
