import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UsageReport } from "../../src/gateway/get-usage.js";
import type { Principal } from "../../src/gateway/principal.js";
import { describeWithRedis } from "../../src/usage/shared-test-redis.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";
import { registerTestSecrets } from "../helpers/test-log-files.js";
import {
  hello,
  openAiClient,
  pricedModelNanoUsdPerToken,
  pricedModelYaml,
  startRedisReplicas,
  upstreamCalls,
} from "./security-fixtures.js";

/** Every answer reports 5 input and 10 output tokens: 15 x $0.0001 = $0.0015 a request. */
const replyUsage = { inputTokens: 5, outputTokens: 10 };
const requestCostUsd = (15 * pricedModelNanoUsdPerToken) / 1e9;
const chat = { model: "priced-mini", max_tokens: 10, messages: hello };
const botSecret = "ck-test-ci-bot-5d4c3b2a19081726";
const keyId = "key_cibot00000001";
const adminKey = "ck-test-key-budgets-admin-6e5d4c3b2a190817";

const configYaml = `${pricedModelYaml}
budgets:
  projects:
    proj-kb-a:
      daily_usd: 1
      agents:
        planner: { monthly_usd: 0.5 }
client_keys:
  - { name: ci-bot, key: ${botSecret}, projects: [proj-kb-a, proj-kb-b] }
`;

/**
 * Stands in for the key store (helper "keys" of issue 18): the config key "ci-bot" authenticates
 * as a managed key with its own daily budget, as a key created through the admin API will.
 */
function manageBotKey(harness: Harness, limits: Principal["limits"]): void {
  const keys = harness.gateway.clientKeys;
  const authenticate = keys.authenticate.bind(keys);
  keys.authenticate = (presented, nowMs) => {
    const authentication = authenticate(presented, nowMs);
    if (!authentication.ok || authentication.principal.keyName !== "ci-bot") return authentication;
    return { ok: true, principal: { ...authentication.principal, keyId, ...(limits ? { limits } : {}) } };
  };
}

async function usage(harness: Harness, query: string, secret = botSecret): Promise<UsageReport> {
  const response = await fetch(`${harness.url}/v1/usage?${query}`, {
    headers: { authorization: `Bearer ${secret}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as UsageReport;
}

/** Chats through /v1 with the bot key, alternating its two projects, until the key's budget refuses. */
async function spendUntilRefused(harness: Harness, maxRequests: number, secret = botSecret) {
  const { openai } = harness.fakes;
  for (let index = 0; index < maxRequests; index++) openai.enqueueChat(openai.replies.text("ok", replyUsage));
  let admitted = 0;
  for (let index = 0; index < maxRequests; index++) {
    const project = index % 2 === 0 ? "proj-kb-a" : "proj-kb-b";
    const client = openAiClient(harness, secret, { "x-project-id": project });
    const error = await client.chat.completions.create(chat).then(
      () => undefined,
      (thrown: unknown) => thrown as { status: number; error: { code: string; message: string } },
    );
    if (error !== undefined) return { admitted, error };
    admitted += 1;
  }
  throw new Error(`the key budget never refused in ${maxRequests} requests`);
}

describe("a managed key's own budget, on one gateway (SQLite)", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ providers: ["openai"], configYaml });
    manageBotKey(harness, { dailyUsd: 0.005 });
  });
  afterAll(() => harness.close());

  it("refuses at /v1 before any provider call once the key's day is spent across its projects, naming the key", async () => {
    const { admitted, error } = await spendUntilRefused(harness, 10);
    expect(upstreamCalls(harness)).toBe(admitted);
    // $0.005 at $0.0015 a request, each holding its prompt and 10 output tokens first.
    expect(admitted).toBeGreaterThanOrEqual(2);
    expect(admitted * requestCostUsd).toBeLessThanOrEqual(0.005);
    expect(error.status).toBe(429);
    expect(error.error.code).toBe("GW_ERR_BUDGET_EXCEEDED");
    expect(error.error.message).toContain(
      'daily (UTC day) budget of client key "ci-bot" (all its projects) is $0.005',
    );
    expect(error.error.message).not.toContain(botSecret);
  });

  it("shows the key's standing and spend, the project's and the agent's in /v1/usage and get_usage", async () => {
    const today = new Date();
    const midnight = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1));
    const report = await usage(harness, "project_id=proj-kb-a&period=day");
    const keySpentUsd = report.budgets?.key?.spend.today_usd ?? 0;
    expect(keySpentUsd).toBeGreaterThan(0);
    expect(report.budgets?.key).toEqual({
      key_id: keyId,
      name: "ci-bot",
      standing: [
        {
          period: "day",
          limit_usd: 0.005,
          spent_usd: keySpentUsd,
          held_usd: 0,
          resets_at: midnight.toISOString(),
        },
      ],
      spend: { today_usd: keySpentUsd, month_usd: keySpentUsd },
    });
    // The project's own budget saw only its half of the key's requests.
    expect(report.budgets?.project).toEqual([
      {
        period: "day",
        limit_usd: 1,
        spent_usd: report.cost_usd,
        held_usd: 0,
        resets_at: midnight.toISOString(),
      },
    ]);
    expect(report.cost_usd).toBeLessThan(keySpentUsd);
    expect(report.budgets?.agent).toBeUndefined();
    const byAgent = await usage(harness, "project_id=proj-kb-a&period=day&agent_id=planner");
    const monthEnd = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 1));
    expect(byAgent.budgets?.agent).toEqual({
      agent_id: "planner",
      standing: [
        { period: "month", limit_usd: 0.5, spent_usd: 0, held_usd: 0, resets_at: monthEnd.toISOString() },
      ],
    });
    const byDefault = await usage(harness, "project_id=proj-kb-a&period=day&agent_id=default");
    expect(byDefault.budgets?.agent?.standing).toEqual([]);

    const mcp = await connectMcp(harness.url, { headers: { authorization: `Bearer ${botSecret}` } });
    try {
      const result = await callTool(mcp, "get_usage", {
        project_id: "proj-kb-a",
        agent_id: "planner",
        filter_agent_id: "planner",
      });
      expect(result.isError).toBeFalsy();
      expect(result.structured).toMatchObject({
        budgets: {
          project: [{ period: "day", limit_usd: 1 }],
          agent: { agent_id: "planner", standing: [{ period: "month", limit_usd: 0.5, spent_usd: 0 }] },
          key: { key_id: keyId, name: "ci-bot", spend: { today_usd: keySpentUsd } },
        },
      });
      expect(result.text).toContain("budgets: project day $");
      expect(result.text).toContain("key day $");
    } finally {
      await mcp.close();
    }
  });
});

describe("a managed key's spend and budget without a budget of the project", () => {
  it("books the key's spend once per request id and keeps it across a restart (SQLite)", async () => {
    const first = await startHarness({ providers: ["openai"], configYaml });
    const dataDir = first.dataDir;
    manageBotKey(first, undefined);
    const { openai } = first.fakes;
    openai.enqueueChat(openai.replies.text("ok", replyUsage));
    const client = openAiClient(first, botSecret, { "x-project-id": "proj-kb-b" });
    await client.chat.completions.create(chat);
    await expect
      .poll(async () => (await first.gateway.spend.keySpend(keyId, Date.now())).todayUsd)
      .toBeCloseTo(requestCostUsd, 12);
    // Keep the data dir for the second gateway: close without the harness's clean-up of it.
    await first.app.close();
    await first.gateway.close();
    const second = await startHarness({
      providers: ["openai"],
      configYaml,
      env: { LLM_GATEWAY_DATA_DIR: dataDir },
    });
    try {
      manageBotKey(second, undefined);
      expect(await second.gateway.spend.keySpend(keyId, Date.now())).toEqual({
        todayUsd: requestCostUsd,
        monthUsd: requestCostUsd,
      });
      const report = await usage(second, "project_id=proj-kb-b&period=day");
      expect(report.budgets).toEqual({
        project: [],
        key: {
          key_id: keyId,
          name: "ci-bot",
          standing: [],
          spend: { today_usd: requestCostUsd, month_usd: requestCostUsd },
        },
        rate_standing: [],
      });
    } finally {
      await second.close();
      await Promise.all(Object.values(first.fakes).map((fake) => fake.close()));
    }
  });
});

describeWithRedis("a managed key's budget across replicas (Redis)", () => {
  it("holds the key's budget across two replicas, and every replica sees its spend", async () => {
    const replicas = await startRedisReplicas(2, {
      providers: ["openai"],
      configYaml,
      env: { LLM_GATEWAY_API_KEYS: `${adminKey}=*` },
    });
    try {
      const [a, b] = replicas.harnesses as [Harness, Harness];
      // A real managed key, created through the admin API of replica a.
      const created = await fetch(`${a.url}/admin/keys`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
        body: JSON.stringify({
          name: "ci-bot-2",
          projects: ["proj-kb-a", "proj-kb-b"],
          budget: { daily_usd: 0.005 },
        }),
      });
      expect(created.status).toBe(201);
      const { key, secret } = (await created.json()) as { key: { id: string }; secret: string };
      registerTestSecrets("key-budgets", { "managed key ci-bot-2": secret });
      const first = await spendUntilRefused(a, 10, secret);
      expect(first.error.error.code).toBe("GW_ERR_BUDGET_EXCEEDED");
      expect(first.error.error.message).toContain('client key "ci-bot-2"');
      // Replica b refuses at once (once it knows the key): the key's spend is shared.
      const { openai } = b.fakes;
      openai.enqueueChat(openai.replies.text("ok", replyUsage));
      await expect
        .poll(
          async () =>
            openAiClient(b, secret, { "x-project-id": "proj-kb-b" })
              .chat.completions.create(chat)
              .then(
                () => "admitted",
                (thrown: unknown) => (thrown as { error?: { code?: string } }).error?.code,
              ),
          { timeout: 3_000 },
        )
        .toBe("GW_ERR_BUDGET_EXCEEDED");
      expect(upstreamCalls(b)).toBe(0);
      const spentUsd = first.admitted * requestCostUsd;
      await expect
        .poll(async () => (await b.gateway.spend.keySpend(key.id, Date.now())).todayUsd)
        .toBeCloseTo(spentUsd, 12);
      const report = await usage(b, "project_id=proj-kb-a&period=day", secret);
      expect(report.budgets?.key?.standing[0]).toMatchObject({ limit_usd: 0.005, held_usd: 0 });
      expect(report.budgets?.key?.standing[0]?.spent_usd).toBeCloseTo(spentUsd, 12);
    } finally {
      await replicas.close();
    }
  });
});
