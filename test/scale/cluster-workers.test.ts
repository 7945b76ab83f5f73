import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { FakeProvider } from "../../src/fakes/fake-provider.js";
import { createFakeOpenAi } from "../../src/fakes/openai/fake-openai.js";
import type { UsageReport } from "../../src/gateway/get-usage.js";
import type { TrafficReport } from "../../src/observability/traffic-aggregator.js";
import { describeWithRedis, sharedRedisUrl } from "../../src/usage/shared-test-redis.js";
import { runChatLoad } from "../helpers/chat-load.js";
import { runCli } from "../helpers/run-cli.js";
import { type GatewayProcess, spawnGateway } from "../helpers/spawn-gateway.js";

/**
 * `serve --workers 2`: one port, two worker processes, connections handed to them in turn. Each
 * request here opens its own connection, so consecutive requests land on alternate workers (the
 * log lines' pid says which); what must be exact across workers is checked where one process
 * per worker would have got it wrong.
 */

interface Answer {
  status: number;
  body: string;
}

/** One request on a connection of its own (no keep-alive), so the cluster hands it to the next worker. */
function send(
  url: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${url}${path}`,
      {
        method: body === undefined ? "GET" : "POST",
        agent: false,
        headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    request.on("error", reject);
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function chat(url: string, projectId: string, model: string, maxTokens = 6): Promise<Answer> {
  return send(
    url,
    "/v1/chat/completions",
    { model, max_tokens: maxTokens, messages: [{ role: "user", content: "hi" }] },
    { "x-project-id": projectId, "x-agent-id": "agent-1" },
  );
}

/** Runs `count` calls of `task`, `concurrency` at a time. */
async function inParallel<T>(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/** The worker processes' pids that logged a finished (or failed) request of `project`. */
function workersThatServed(gateway: GatewayProcess, project: string): Set<number> {
  return new Set(
    gateway.logs
      .filter((line) => line.project === project && typeof line.worker === "number")
      .map((line) => line.worker as number),
  );
}

/** The pids of the workers that logged they listen (each worker's lines carry its pid as `worker`). */
function listeningWorkers(gateway: GatewayProcess): number[] {
  return [
    ...new Set(
      gateway.logs
        .filter(
          (line) =>
            String(line.msg).startsWith("llm-gateway listening on") && typeof line.worker === "number",
        )
        .map((line) => line.worker as number),
    ),
  ];
}

/** The sum of a Prometheus counter's samples whose labels contain `labels` (e.g. `model="gpt-4o"`). */
function counterSum(text: string, name: string, labels: string): number {
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

/** Waits out the end of a UTC minute, so a burst counted against a per-minute limit stays in one. */
async function awayFromMinuteEnd(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 5_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
}

async function waitForLog(gateway: GatewayProcess, match: (line: Record<string, unknown>) => boolean) {
  await vi.waitFor(() => expect(gateway.logs.some(match)).toBe(true), { timeout: 20_000, interval: 50 });
  return gateway.logs.find(match) as Record<string, unknown>;
}

const budgetUsd = 0.0003;
const budgetNanoUsd = budgetUsd * 1e9;

describe("serve --workers 2 without Redis: the primary keeps what must be exact", () => {
  let openai: FakeProvider;
  let gateway: GatewayProcess;
  let dataDir: string;

  beforeAll(async () => {
    openai = await createFakeOpenAi();
    // Short answers the hold covers: 5 tokens in, 6 out (max_tokens 6), so a budget's holds are close to its spend.
    // gpt-4.1 fails, for the breaker.
    openai.server.intercept((call) => {
      const body = call.body as { model?: string; stream?: boolean } | undefined;
      if (body?.model === "gpt-4.1") return openai.replies.error(500, "upstream broke");
      // A prompt asking to be slow is answered slowly: it is in flight when the gateway is told to stop.
      if (call.bodyText.includes("answer slowly")) {
        return openai.replies.stream(["slow ", "answer"], {
          usage: { inputTokens: 5, outputTokens: 2 },
          delayMs: 1_500,
        });
      }
      const usage = { inputTokens: 5, outputTokens: 6 };
      // The gateway streams from providers (liveness is bytes), and assembles the answer for the caller.
      return body?.stream
        ? openai.replies.stream(["six tokens ", "of answer"], { usage })
        : openai.replies.text("six tokens of answer", usage);
    });
    dataDir = mkdtempSync(join(tmpdir(), "llmgw-workers-"));
    const configPath = join(dataDir, "gateway.yaml");
    writeFileSync(
      configPath,
      [
        "budgets:",
        "  projects:",
        `    proj-budget: { daily_usd: ${budgetUsd} }`,
        "rate_limits:",
        "  projects:",
        "    proj-rpm: { requests_per_minute: 10 }",
        "",
      ].join("\n"),
    );
    gateway = await spawnGateway(
      {
        LLM_GATEWAY_DATA_DIR: dataDir,
        LLM_GATEWAY_CONFIG: configPath,
        LLM_GATEWAY_MAX_RETRIES: "0",
        LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "4",
        LLM_GATEWAY_CIRCUIT_COOLDOWN_SECONDS: "300",
        OPENAI_API_KEY: "sk-openai-workers",
        OPENAI_BASE_URL: openai.baseUrl,
      },
      ["serve", "--workers", "2"],
    );
    await waitForLog(gateway, (line) => line.workers === 2 && typeof line.address === "string");
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await openai?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("starts a primary that forks two workers listening on one port", async () => {
    // Each worker's own line may reach stdout after the primary's (logs are written asynchronously).
    await vi.waitFor(() => expect(listeningWorkers(gateway)).toHaveLength(2));
    const workerPids = listeningWorkers(gateway);
    expect(workerPids).not.toContain(gateway.child.pid);
    const primaryLine = gateway.logs.find((line) => line.workers === 2);
    expect(primaryLine?.worker).toBeUndefined();
    expect(primaryLine?.address).toBe(gateway.url);
  });

  it("never lets concurrent requests spread over both workers overspend a budget", async () => {
    const answers = await inParallel(80, 16, () => chat(gateway.url, "proj-budget", "gpt-4.1-mini"));
    const admitted = answers.filter((answer) => answer.status === 200).length;
    const refused = answers.filter((answer) => answer.status === 402 || answer.status === 429).length;
    expect(admitted + refused).toBe(80);
    expect(workersThatServed(gateway, "proj-budget").size).toBe(2);
    await expect
      .poll(
        async () =>
          (
            JSON.parse(
              (await send(gateway.url, "/v1/usage?project_id=proj-budget&period=day")).body,
            ) as UsageReport
          ).requests,
      )
      .toBe(admitted);
    const report = JSON.parse(
      (await send(gateway.url, "/v1/usage?project_id=proj-budget&period=day")).body,
    ) as UsageReport;
    const spentNanoUsd = Math.round(report.cost_usd * 1e9);
    console.log(
      `[workers] budget $${budgetUsd}: ${admitted} admitted, ${refused} refused, spent ${spentNanoUsd} nano-USD`,
    );
    // Each worker alone would hold against its own counters and admit up to the whole budget.
    expect(spentNanoUsd).toBeLessThanOrEqual(budgetNanoUsd);
    expect(spentNanoUsd).toBeGreaterThan(budgetNanoUsd / 2);
  });

  it("admits exactly N requests a minute across both workers", async () => {
    await awayFromMinuteEnd();
    const answers = await inParallel(30, 10, () => chat(gateway.url, "proj-rpm", "gpt-4.1-mini"));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(10);
    expect(answers.filter((answer) => answer.status === 429)).toHaveLength(20);
    expect(workersThatServed(gateway, "proj-rpm").size).toBe(2);
  });

  it("opens a circuit on failures counted by both workers, and keeps it open on both", async () => {
    const callsTo = () =>
      openai.chatCalls().filter((call) => (call.body as { model?: string }).model === "gpt-4.1").length;
    // Alternate workers: two failures each, four in all, the threshold. Apart, neither would open.
    for (let index = 0; index < 4; index += 1) {
      expect((await chat(gateway.url, "proj-breaker", "gpt-4.1")).status).toBeGreaterThanOrEqual(500);
    }
    expect(workersThatServed(gateway, "proj-breaker").size).toBe(2);
    expect(callsTo()).toBe(4);
    await waitForLog(gateway, (line) =>
      line.msg === undefined ? false : String(line.msg).startsWith("circuit openai/gpt-4.1 closed -> open"),
    );
    for (let index = 0; index < 6; index += 1) {
      expect((await chat(gateway.url, "proj-breaker", "gpt-4.1")).status).toBeGreaterThanOrEqual(500);
    }
    // Neither worker called the provider again.
    expect(callsTo()).toBe(4);
    for (let index = 0; index < 4; index += 1) {
      const status = JSON.parse((await send(gateway.url, "/v1/status")).body) as {
        groups: Array<{ models: Array<{ model: string; provider: string; circuit: string }> }>;
      };
      const circuits = status.groups
        .flatMap((group) => group.models)
        .filter((entry) => entry.model === "gpt-4.1" && entry.provider === "openai")
        .map((entry) => entry.circuit);
      expect(circuits.length).toBeGreaterThan(0);
      expect(new Set(circuits)).toEqual(new Set(["open"]));
    }
  });

  it("books usage exactly, and /metrics and the traffic view count both workers' requests", async () => {
    const metricsBefore = counterSum(
      (await send(gateway.url, "/metrics")).body,
      "llm_gateway_requests_total",
      'model="gpt-4o"',
    );
    expect(metricsBefore).toBe(0);
    const sent = await runChatLoad({
      urls: [gateway.url],
      total: 40,
      concurrency: 8,
      projectId: "proj-usage",
      model: "gpt-4o",
    });
    expect(sent.answered).toBe(40);
    expect(workersThatServed(gateway, "proj-usage").size).toBe(2);
    await expect
      .poll(
        async () =>
          (
            JSON.parse(
              (await send(gateway.url, "/v1/usage?project_id=proj-usage&period=day")).body,
            ) as UsageReport
          ).requests,
      )
      .toBe(40);
    // Several reads, on fresh connections: each worker answers for both.
    for (let index = 0; index < 4; index += 1) {
      const usage = JSON.parse(
        (await send(gateway.url, "/v1/usage?project_id=proj-usage&period=day")).body,
      ) as UsageReport;
      expect(usage.requests).toBe(40);
      expect(usage.input_tokens).toBe(sent.inputTokens);
      expect(usage.output_tokens).toBe(sent.outputTokens);
      expect(Math.round(usage.cost_usd * 1e9)).toBe(sent.costNanoUsd);

      const metrics = (await send(gateway.url, "/metrics")).body;
      expect(counterSum(metrics, "llm_gateway_requests_total", 'model="gpt-4o"')).toBe(40);
      expect(counterSum(metrics, "llm_gateway_tokens_total", 'model="gpt-4o",type="output"')).toBe(
        sent.outputTokens,
      );
      // Circuits are shared: the state is the workers' maximum, not their sum.
      expect(metrics).toMatch(/llm_gateway_circuit_state\{deployment="openai\/gpt-4.1"[^}]*\} 2\n/);

      const traffic = JSON.parse((await send(gateway.url, "/v1/traffic")).body) as TrafficReport;
      expect(traffic.models.find((model) => model.deployment === "openai/gpt-4o")?.requests).toBe(40);
    }
  });

  it("replaces a worker that dies, and serves on", async () => {
    const workerPids = listeningWorkers(gateway);
    const victim = workerPids[0] as number;
    process.kill(victim, "SIGKILL");
    await waitForLog(gateway, (line) => line.worker === victim && line.signal === "SIGKILL");
    const replacement = await waitForLog(gateway, (line) => line.msg === "replacement worker listening");
    expect(workerPids).not.toContain(replacement.worker);
    const answers = await inParallel(6, 1, () => chat(gateway.url, "proj-after-crash", "gpt-4.1-mini"));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(workersThatServed(gateway, "proj-after-crash")).toEqual(
      new Set([workerPids[1], replacement.worker as number]),
    );
  });

  it("drains every worker on SIGTERM: requests in flight on both finish, then it exits 0", async () => {
    const slowCalls = () => openai.chatCalls().filter((call) => call.bodyText.includes("answer slowly"));
    const inFlight = [0, 1, 2, 3].map(() =>
      send(
        gateway.url,
        "/v1/chat/completions",
        { model: "gpt-4.1-mini", messages: [{ role: "user", content: "answer slowly" }] },
        { "x-project-id": "proj-drain", "x-agent-id": "agent-1" },
      ),
    );
    await vi.waitFor(() => expect(slowCalls()).toHaveLength(4), { timeout: 10_000 });
    const exited = gateway.stop("SIGTERM");
    expect((await Promise.all(inFlight)).map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect(await exited).toBe(0);
    expect(workersThatServed(gateway, "proj-drain").size).toBe(2);
    expect(gateway.logs.some((line) => line.worker === undefined && line.msg === "shutdown complete")).toBe(
      true,
    );
  });
});

describe("serve --workers: the flag", () => {
  it("refuses a count that is not one, saying what it takes, before anything starts", async () => {
    for (const value of ["0", "two", "1025"]) {
      const { code, stderr } = await runCli(["serve", "--workers", value], {});
      expect(code).toBe(2);
      expect(stderr).toContain('--workers takes a whole number from 1 to 1024 or "auto"');
    }
  });

  it("is in the usage text", async () => {
    const { stdout } = await runCli(["--help"], {});
    expect(stdout).toContain("serve [--workers N|auto]");
  });
});

describeWithRedis("serve --workers 2 with Redis: the workers share it", () => {
  const keyPrefix = `llmgw-workers-${process.pid}:`;
  let openai: FakeProvider;
  let gateway: GatewayProcess;
  let dataDir: string;
  let redis: Redis;

  beforeAll(async () => {
    openai = await createFakeOpenAi();
    redis = new Redis(sharedRedisUrl);
    dataDir = mkdtempSync(join(tmpdir(), "llmgw-workers-redis-"));
    const configPath = join(dataDir, "gateway.yaml");
    writeFileSync(configPath, "rate_limits:\n  projects:\n    proj-rpm: { requests_per_minute: 5 }\n");
    gateway = await spawnGateway(
      {
        LLM_GATEWAY_DATA_DIR: dataDir,
        LLM_GATEWAY_CONFIG: configPath,
        LLM_GATEWAY_REDIS_URL: sharedRedisUrl,
        LLM_GATEWAY_REDIS_KEY_PREFIX: keyPrefix,
        LLM_GATEWAY_WORKERS: "2",
        OPENAI_API_KEY: "sk-openai-workers-redis",
        OPENAI_BASE_URL: openai.baseUrl,
      },
      ["serve"],
    );
    await waitForLog(gateway, (line) => line.workers === 2 && typeof line.address === "string");
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await openai?.close();
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("says so at start-up, counts the limit in Redis and admits exactly N across workers", async () => {
    expect(gateway.logs.find((line) => line.workers === 2)?.shared).toBe("redis");
    await awayFromMinuteEnd();
    const answers = await inParallel(12, 6, () => chat(gateway.url, "proj-rpm", "gpt-4.1-mini"));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(5);
    expect(workersThatServed(gateway, "proj-rpm").size).toBe(2);
    // The Redis rate limiter's counter, and the Redis usage store's records.
    expect(await redis.keys(`${keyPrefix}{p:proj-rpm}:ratelimit:project:*`)).not.toEqual([]);
    await expect
      .poll(
        async () =>
          (
            JSON.parse(
              (await send(gateway.url, "/v1/usage?project_id=proj-rpm&period=day")).body,
            ) as UsageReport
          ).requests,
      )
      .toBe(5);
  });
});
