import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { FakeProvider } from "../../src/fakes/fake-provider.js";
import { createFakeOpenAi } from "../../src/fakes/openai/fake-openai.js";
import { type RedisTestServer, startRedisTestServer } from "../../src/usage/redis-test-server.js";
import { describeWithRedis } from "../../src/usage/shared-test-redis.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";
import { type GatewayProcess, spawnGateway } from "../helpers/spawn-gateway.js";

interface JobState {
  job_id: string;
  status: string;
  partial_text?: string;
  content?: string;
}

const question = { model: "gpt-4.1-mini", messages: [{ role: "user", content: "Count slowly" }] };
const slowPieces = Array.from({ length: 200 }, (_, index) => `piece${index} `);

/**
 * With Redis, a job belongs to no replica's memory: one started on a gateway process is read and
 * cancelled through another, and one whose process is killed reads as lost there.
 */
describeWithRedis("background jobs shared by replicas through Redis", () => {
  let redis: RedisTestServer;
  let openai: FakeProvider;
  let runner: GatewayProcess;
  let reader: Harness;
  let runnerClient: Client;
  let readerClient: Client;
  const dataDir = mkdtempSync(join(tmpdir(), "llmgw-jobs-replica-"));

  beforeAll(async () => {
    redis = await startRedisTestServer();
    openai = await createFakeOpenAi();
    const shared = { LLM_GATEWAY_REDIS_URL: redis.url, LLM_GATEWAY_REDIS_KEY_PREFIX: "llmgw-jobs-test:" };
    runner = await spawnGateway({
      ...shared,
      LLM_GATEWAY_DATA_DIR: dataDir,
      OPENAI_API_KEY: "sk-jobs-replica",
      OPENAI_BASE_URL: openai.baseUrl,
    });
    reader = await startHarness({ providers: ["openai"], env: shared });
    runnerClient = await connectMcp(runner.url);
    readerClient = await connectMcp(reader.url);
  }, 60_000);

  afterAll(async () => {
    await runnerClient?.close().catch(() => undefined);
    await readerClient?.close();
    await runner?.stop();
    await reader?.close();
    await openai?.close();
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers get_job on another replica, with the text so far and then the result", async () => {
    const caller = { project_id: "proj-jobs-replicas", agent_id: "agent-1" };
    openai.enqueueChat(openai.replies.stream(slowPieces.slice(0, 30), { chunkDelayMs: 100 }));
    const started = await callTool<JobState>(runnerClient, "chat_completion", {
      ...caller,
      ...question,
      background: true,
    });
    await expect
      .poll(
        async () =>
          (
            await callTool<JobState>(readerClient, "get_job", {
              ...caller,
              job_id: started.structured.job_id,
            })
          ).structured.partial_text ?? "",
        { timeout: 5_000, interval: 200 },
      )
      .toMatch(/^piece0 /);
    const done = await callTool<JobState>(readerClient, "get_job", {
      ...caller,
      job_id: started.structured.job_id,
      wait_seconds: 20,
    });
    expect(done.structured).toMatchObject({ status: "succeeded", content: slowPieces.slice(0, 30).join("") });
    expect(reader.fakes.openai.chatCalls()).toHaveLength(0);
  });

  it("cancel_job on another replica stops the upstream stream on the one running it", async () => {
    const caller = { project_id: "proj-jobs-cancel-replicas", agent_id: "agent-1" };
    openai.server.reset();
    openai.enqueueChat(openai.replies.stream(slowPieces, { chunkDelayMs: 100 }));
    const started = await callTool<JobState>(runnerClient, "chat_completion", {
      ...caller,
      ...question,
      background: true,
    });
    await expect.poll(() => openai.chatCalls().length).toBe(1);
    const cancelled = await callTool<JobState>(readerClient, "cancel_job", {
      ...caller,
      job_id: started.structured.job_id,
    });
    expect(cancelled.structured).toMatchObject({ status: "cancelled" });
    await expect.poll(() => openai.chatCalls()[0]?.clientClosedEarly, { timeout: 2_000 }).toBe(true);
    await expect
      .poll(
        async () =>
          (
            await callTool<{ requests: number }>(readerClient, "get_usage", {
              ...caller,
              period: "all",
            })
          ).structured.requests,
        { timeout: 5_000 },
      )
      .toBe(1);
  });

  it("a job whose replica is killed reads as lost on the other, once its heartbeat is three intervals old", async () => {
    const caller = { project_id: "proj-jobs-lost", agent_id: "agent-1" };
    openai.server.reset();
    openai.enqueueChat(openai.replies.stream(slowPieces, { chunkDelayMs: 200 }));
    const started = await callTool<JobState>(runnerClient, "chat_completion", {
      ...caller,
      ...question,
      background: true,
    });
    await expect.poll(() => openai.chatCalls().length).toBe(1);
    await runner.stop("SIGKILL");
    const right = await callTool<JobState>(readerClient, "get_job", {
      ...caller,
      job_id: started.structured.job_id,
    });
    expect(right.structured.status).toBe("running");
    let lost: Awaited<ReturnType<typeof callTool>> | undefined;
    await expect
      .poll(
        async () => {
          lost = await callTool(readerClient, "get_job", { ...caller, job_id: started.structured.job_id });
          return lost.isError;
        },
        { timeout: 30_000, interval: 1_000 },
      )
      .toBe(true);
    expect(lost?.text).toMatch(
      /^GW_ERR_JOB_LOST: The gateway replica running this job went away \(no heartbeat for 1\d s\)/,
    );
  }, 45_000);

  // Last: it takes Redis away for good.
  it("with Redis down, a background start is refused with GW_ERR_STORE_UNAVAILABLE before any provider call", async () => {
    openai.server.reset();
    await redis.kill();
    const refused = await callTool(readerClient, "chat_completion", {
      project_id: "proj-jobs-store-down",
      agent_id: "agent-1",
      ...question,
      background: true,
    });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/^GW_ERR_STORE_UNAVAILABLE: The job store is unavailable; retry\./);
    expect(openai.chatCalls()).toHaveLength(0);
  }, 20_000);
});
