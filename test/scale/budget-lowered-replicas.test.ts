import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { FakeProvider } from "../../src/fakes/fake-provider.js";
import { createFakeOpenAi } from "../../src/fakes/openai/fake-openai.js";
import type { UsageReport } from "../../src/gateway/get-usage.js";
import { formatUsd } from "../../src/governance/budget-exceeded-error.js";
import { deleteKeysUnder } from "../../src/governance/redis-keys.contract.js";
import { describeWithRedis, sharedRedisUrl } from "../../src/usage/shared-test-redis.js";
import { type GatewayProcess, spawnGateway } from "../helpers/spawn-gateway.js";
import { pricedModelYaml } from "../security/security-fixtures.js";

const adminKey = "ck-test-admin-lowered-4f5e6d7c8b9a0b1c";
const project = "proj-lowered";
const headers = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };

async function chat(url: string): Promise<{ status: number; message?: string }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { ...headers, "x-project-id": project },
    body: JSON.stringify({
      model: "priced-mini",
      max_tokens: 10,
      messages: [{ role: "user", content: "Hi" }],
    }),
  });
  const body = (await response.json()) as { error?: { message: string } };
  return { status: response.status, ...(body.error ? { message: body.error.message } : {}) };
}

async function usage(url: string): Promise<UsageReport> {
  const response = await fetch(`${url}/v1/usage?project_id=${project}&period=day`, { headers });
  return (await response.json()) as UsageReport;
}

describeWithRedis("a budget lowered through the admin API, on three gateway processes sharing Redis", () => {
  const keyPrefix = `llmgw-test:lowered:${process.pid}-${randomBytes(4).toString("hex")}:`;
  const dataDirs: string[] = [];
  let openai: FakeProvider;
  let gateways: GatewayProcess[];

  beforeAll(async () => {
    openai = await createFakeOpenAi();
    gateways = await Promise.all(
      [0, 1, 2].map(() => {
        const dataDir = mkdtempSync(join(tmpdir(), "llmgw-lowered-"));
        dataDirs.push(dataDir);
        const configPath = join(dataDir, "gateway.yaml");
        writeFileSync(
          configPath,
          `${pricedModelYaml}\nbudgets:\n  projects:\n    ${project}: { daily_usd: 1 }\n`,
        );
        return spawnGateway({
          LLM_GATEWAY_DATA_DIR: dataDir,
          LLM_GATEWAY_CONFIG: configPath,
          LLM_GATEWAY_API_KEYS: `${adminKey}=*`,
          LLM_GATEWAY_REDIS_URL: sharedRedisUrl,
          LLM_GATEWAY_REDIS_KEY_PREFIX: keyPrefix,
          OPENAI_API_KEY: "sk-lowered-replicas",
          OPENAI_BASE_URL: openai.baseUrl,
        });
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await openai.close();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    const redis = new Redis(sharedRedisUrl);
    await deleteKeysUnder(redis, keyPrefix);
    await redis.quit();
  });

  it("holds on every replica from the next request once the change is seen (within 1 s), never above the new limit", async () => {
    const urls = gateways.map((gateway) => gateway.url);
    for (let index = 0; index < 6; index++) expect((await chat(urls[index % 3] as string)).status).toBe(200);
    await expect.poll(async () => (await usage(urls[0] as string)).requests, { timeout: 10_000 }).toBe(6);
    const spentUsd = (await usage(urls[0] as string)).cost_usd;
    const requestUsd = spentUsd / 6;
    // Room for about four more requests, set on one replica.
    const limitUsd = Math.round((spentUsd + 4.5 * requestUsd) * 1e6) / 1e6;
    const put = await fetch(`${urls[0]}/admin/budgets/projects/${project}`, {
      method: "PUT",
      headers,
      body: JSON.stringify({ daily_usd: limitUsd }),
    });
    expect(put.status).toBe(200);
    const entry = (await put.json()) as {
      standing: Array<{ period: string; limit_usd: number; spent_usd: number }>;
    };
    expect(entry.standing).toEqual([expect.objectContaining({ period: "day", limit_usd: limitUsd })]);
    expect(entry.standing[0]?.spent_usd).toBeCloseTo(spentUsd, 12);
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // every replica sees a change within 1 s
    // Four workers per replica spend until refused.
    const refusals: string[] = [];
    let admitted = 0;
    await Promise.all(
      urls.flatMap((url) =>
        [0, 1, 2, 3].map(async () => {
          for (let attempt = 0; attempt < 20; attempt++) {
            const answer = await chat(url);
            if (answer.status === 200) {
              admitted += 1;
              continue;
            }
            expect(answer.status).toBe(429);
            refusals.push(answer.message ?? "");
            return;
          }
        }),
      ),
    );
    expect(refusals).toHaveLength(12);
    for (const message of refusals)
      expect(message).toContain(`budget of project "${project}" is ${formatUsd(Math.round(limitUsd * 1e9))}`);
    await expect
      .poll(async () => (await usage(urls[2] as string)).requests, { timeout: 10_000 })
      .toBe(6 + admitted);
    const finalUsd = (await usage(urls[2] as string)).cost_usd;
    expect(finalUsd).toBeLessThanOrEqual(limitUsd);
    // Within one request of the limit: the holds let the replicas use what the new budget leaves.
    expect(finalUsd).toBeGreaterThan(limitUsd - 2 * requestUsd);
    expect(admitted).toBeGreaterThanOrEqual(3);
    expect(admitted).toBeLessThanOrEqual(4);
  });
});
