import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UsageReport } from "../../src/gateway/get-usage.js";
import { budgetEntrySchema, keyViewSchema, keyWithSecretSchema } from "../../src/http/admin/admin-schemas.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { registerTestSecrets } from "../helpers/test-log-files.js";
import {
  apiKeysEnv,
  clientKeys,
  hello,
  pricedModelNanoUsdPerToken,
  pricedModelYaml,
  upstreamCalls,
} from "../security/security-fixtures.js";

/** Every answer reports 5 input and 10 output tokens: 15 x $0.0001 = $0.0015 a request. */
const replyUsage = { inputTokens: 5, outputTokens: 10 };
const requestCostUsd = (15 * pricedModelNanoUsdPerToken) / 1e9;

describe("a managed key's budget and spend, through the admin API and the doors", () => {
  let harness: Harness;
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${harness.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${clientKeys.admin}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  const chat = (secret: string, project: string) =>
    fetch(`${harness.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${secret}`,
        "content-type": "application/json",
        "x-project-id": project,
      },
      body: JSON.stringify({ model: "priced-mini", messages: hello, max_tokens: 10 }),
    });

  beforeAll(async () => {
    harness = await startHarness({
      providers: ["openai"],
      configYaml: pricedModelYaml,
      env: { LLM_GATEWAY_API_KEYS: apiKeysEnv },
    });
    const { openai } = harness.fakes;
    for (let index = 0; index < 30; index++) openai.enqueueChat(openai.replies.text("ok", replyUsage));
  });
  afterAll(() => harness.close());

  it("refuses the key once its own daily budget is spent across its projects; the admin API and get_usage show it", async () => {
    const created = await admin("POST", "/admin/keys", {
      name: "budget-bot",
      projects: ["proj-kb-1", "proj-kb-2"],
      budget: { daily_usd: 0.005 },
    });
    expect(created.status).toBe(201);
    const { key, secret } = keyWithSecretSchema.parse(created.body);
    registerTestSecrets("admin-key-budgets", { "managed key budget-bot": secret });
    let admitted = 0;
    let refusal: { status: number; body: { error: { code: string; message: string } } } | undefined;
    for (let index = 0; index < 10 && refusal === undefined; index++) {
      const response = await chat(secret, index % 2 === 0 ? "proj-kb-1" : "proj-kb-2");
      if (response.status === 200) admitted += 1;
      else refusal = { status: response.status, body: (await response.json()) as never };
    }
    expect(refusal?.status).toBe(429);
    expect(refusal?.body.error.code).toBe("GW_ERR_BUDGET_EXCEEDED");
    expect(refusal?.body.error.message).toContain('budget of client key "budget-bot"');
    expect(refusal?.body.error.message).not.toContain(secret);
    expect(upstreamCalls(harness)).toBe(admitted);
    const spentUsd = admitted * requestCostUsd;
    await expect
      .poll(
        async () => keyViewSchema.parse((await admin("GET", `/admin/keys/${key.id}`)).body).spend.today_usd,
      )
      .toBeCloseTo(spentUsd, 12);
    const budgets = (await admin("GET", "/admin/budgets")).body as { data: unknown[] };
    const entry = budgets.data
      .map((item) => budgetEntrySchema.parse(item))
      .find((item) => item.key_id === key.id);
    expect(entry?.standing).toEqual([
      expect.objectContaining({ period: "day", limit_usd: 0.005, held_usd: 0 }),
    ]);
    expect(entry?.standing[0]?.spent_usd).toBeCloseTo(spentUsd, 12);
    const report = (await (
      await fetch(`${harness.url}/v1/usage?project_id=proj-kb-1&period=day`, {
        headers: { authorization: `Bearer ${secret}` },
      })
    ).json()) as UsageReport;
    expect(report.budgets?.key).toMatchObject({ key_id: key.id, name: "budget-bot" });
    expect(report.budgets?.key?.spend.today_usd).toBeCloseTo(spentUsd, 12);
    // Raised through the admin API: the next request is admitted.
    expect((await admin("PATCH", `/admin/keys/${key.id}`, { budget: { daily_usd: 1 } })).status).toBe(200);
    await expect.poll(async () => (await chat(secret, "proj-kb-2")).status, { timeout: 3_000 }).toBe(200);
  });

  it("applies a project budget set and lowered through the admin API from the next request, counting earlier spend", async () => {
    const created = keyWithSecretSchema.parse(
      (await admin("POST", "/admin/keys", { name: "project-bot", projects: ["proj-kb-3"] })).body,
    );
    registerTestSecrets("admin-key-budgets", { "managed key project-bot": created.secret });
    for (let index = 0; index < 2; index++)
      expect((await chat(created.secret, "proj-kb-3")).status).toBe(200);
    const put = await admin("PUT", "/admin/budgets/projects/proj-kb-3", { daily_usd: 0.004 });
    expect(put.status).toBe(200);
    // $0.003 spent before the budget existed: one more request's hold does not fit.
    await expect
      .poll(async () => (await chat(created.secret, "proj-kb-3")).status, { timeout: 3_000 })
      .toBe(429);
    const entry = budgetEntrySchema.parse(
      (await admin("PUT", "/admin/budgets/projects/proj-kb-3", { daily_usd: 1 })).body,
    );
    expect(entry.standing[0]?.spent_usd).toBeCloseTo(2 * requestCostUsd, 12);
    await expect
      .poll(async () => (await chat(created.secret, "proj-kb-3")).status, { timeout: 3_000 })
      .toBe(200);
  });
});
