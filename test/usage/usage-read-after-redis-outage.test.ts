import { afterAll, beforeAll, expect, it } from "vitest";
import { type RedisTestServer, startRedisTestServer } from "../../src/usage/redis-test-server.js";
import { describeWithRedis } from "../../src/usage/shared-test-redis.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

const project = "outage-read";

async function chat(harness: Harness, index: number): Promise<number> {
  const response = await fetch(`${harness.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-project-id": project, "x-agent-id": "reader" },
    body: JSON.stringify({
      model: "gpt-4.1-mini",
      messages: [{ role: "user", content: `question ${index}` }],
    }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function readUsage(harness: Harness): Promise<{ status: number; requests?: number }> {
  const response = await fetch(`${harness.url}/v1/usage?project_id=${project}&period=all`);
  const body = (await response.json()) as { requests?: number };
  return { status: response.status, requests: body.requests };
}

describeWithRedis("GET /v1/usage right after Redis comes back from an outage", () => {
  let redis: RedisTestServer;
  let harness: Harness;

  beforeAll(async () => {
    // Append-only, so the restarted Redis keeps the five bookings it acknowledged before the outage.
    redis = await startRedisTestServer({ appendOnly: true });
    harness = await startHarness({
      providers: ["openai"],
      env: { LLM_GATEWAY_REDIS_URL: redis.url, LLM_GATEWAY_REDIS_KEY_PREFIX: "outage-read-test:" },
    });
  }, 30_000);

  afterAll(async () => {
    await harness?.close();
    await redis?.stop();
  });

  it("answers the full total (or 503), never the part Redis held before this process's journal was replayed", async () => {
    for (let index = 0; index < 5; index += 1) expect(await chat(harness, index)).toBe(200);
    expect(await readUsage(harness)).toEqual({ status: 200, requests: 5 });

    await redis.kill();
    for (let index = 5; index < 10; index += 1) expect(await chat(harness, index)).toBe(200);
    expect((await readUsage(harness)).status).toBe(503);

    await redis.restart();
    // Read as fast as possible from the restart on: each answer is a 503 or the whole truth.
    const answers: Array<{ status: number; requests?: number }> = [];
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const answer = await readUsage(harness);
      answers.push(answer);
      if (answer.status === 200) break;
    }
    for (const answer of answers) {
      if (answer.status === 200) expect(answer.requests).toBe(10);
      else expect(answer.status).toBe(503);
    }
    expect(answers.at(-1)).toEqual({ status: 200, requests: 10 });
  }, 30_000);
});
