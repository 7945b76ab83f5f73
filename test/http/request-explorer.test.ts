import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeWithRedis, sharedRedisUrl } from "../../src/usage/shared-test-redis.js";
import { fakeProviderKeys, type Harness, startHarness } from "../helpers/gateway-harness.js";

const keyA = "explorer-key-a-0001";
const keyB = "explorer-key-b-0002";
const keyAdmin = "explorer-key-admin-0003";

interface RequestView {
  id: string;
  project_id: string;
  key_name: string | null;
  status: string;
  error_code: string | null;
  provider: string | null;
  model: string | null;
  input_tokens: number;
  cost_usd: number;
  latency_ms: number;
  attempts: Array<{
    provider: string;
    model: string;
    outcome: string;
    error: string | null;
    latency_ms: number;
  }>;
  bodies?: { request: string; answer: string | null } | null;
}

async function get(url: string, key: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function chat(
  harness: Harness,
  key: string,
  project: string,
  content: string,
): Promise<{ status: number; requestId: string | null }> {
  const response = await fetch(`${harness.url}/v1/chat/completions`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      "x-project-id": project,
      "x-agent-id": "explorer-agent",
    },
    body: JSON.stringify({ model: "reasoning", messages: [{ role: "user", content }] }),
  });
  await response.text();
  return { status: response.status, requestId: response.headers.get("x-request-id") };
}

describe("the request explorer over HTTP (SQLite)", () => {
  let harness: Harness;
  let failoverId: string;
  let projectBId: string;
  beforeAll(async () => {
    harness = await startHarness({
      env: {
        LLM_GATEWAY_API_KEYS: `${keyA}=proj-a,${keyB}=proj-b,${keyAdmin}=*`,
        LLM_GATEWAY_MAX_RETRIES: "0",
      },
    });
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
    openai.enqueueChat(openai.replies.text("fallback answer", { inputTokens: 100, outputTokens: 10 }));
    failoverId = (await chat(harness, keyA, "proj-a", "first question")).requestId as string;
    anthropic.enqueueChat(anthropic.replies.text("b's answer", { inputTokens: 5, outputTokens: 2 }));
    projectBId = (await chat(harness, keyB, "proj-b", "b's question")).requestId as string;
  });
  afterAll(async () => harness.close());

  it("shows a failover as one request with both attempts, their outcomes and latencies", async () => {
    const list = await get(`${harness.url}/v1/requests?project_id=proj-a`, keyA);
    expect(list.status).toBe(200);
    const data = list.body.data as RequestView[];
    expect(data.map((row) => row.id)).toEqual([failoverId]);
    const one = await get(`${harness.url}/v1/requests/${failoverId}`, keyA);
    expect(one.status).toBe(200);
    const view = one.body as unknown as RequestView;
    expect(view).toMatchObject({
      project_id: "proj-a",
      key_name: "env-key-1",
      status: "success",
      error_code: null,
      provider: "openai",
      model: "gpt-4.1",
      input_tokens: 100,
      cost_usd: 0.00028,
      bodies: null,
    });
    expect(view.attempts.map(({ provider, outcome }) => [provider, outcome])).toEqual([
      ["anthropic", "failed"],
      ["openai", "success"],
    ]);
    expect(view.attempts[0]?.error).toContain("529");
    for (const attempt of view.attempts) expect(attempt.latency_ms).toBeGreaterThanOrEqual(0);
    expect(view.latency_ms).toBeGreaterThanOrEqual(view.attempts[1]?.latency_ms ?? 0);
    expect(JSON.stringify(one.body)).not.toContain(keyA);
  });

  it("keeps projects apart: a key sees its own project's requests only, a * key sees all", async () => {
    const asB = await get(`${harness.url}/v1/requests`, keyB);
    expect((asB.body.data as RequestView[]).map((row) => row.id)).toEqual([projectBId]);
    const otherById = await get(`${harness.url}/v1/requests/${failoverId}`, keyB);
    expect(otherById.status).toBe(404);
    expect(otherById.body).toMatchObject({ error: { code: "GW_ERR_UNKNOWN_REQUEST" } });
    const otherByFilter = await get(`${harness.url}/v1/requests?project_id=proj-a`, keyB);
    expect(otherByFilter.status).toBe(403);
    expect(otherByFilter.body).toMatchObject({ error: { code: "GW_ERR_FORBIDDEN_PROJECT" } });
    const asAdmin = await get(`${harness.url}/v1/requests`, keyAdmin);
    expect((asAdmin.body.data as RequestView[]).map((row) => row.id)).toEqual([projectBId, failoverId]);
    expect((await fetch(`${harness.url}/v1/requests`)).status).toBe(401);
  });

  it("pages newest first with a cursor and filters by status", async () => {
    const first = await get(`${harness.url}/v1/requests?limit=1`, keyAdmin);
    expect((first.body.data as RequestView[]).map((row) => row.id)).toEqual([projectBId]);
    expect(typeof first.body.next_cursor).toBe("string");
    const second = await get(
      `${harness.url}/v1/requests?limit=1&cursor=${first.body.next_cursor as string}`,
      keyAdmin,
    );
    expect((second.body.data as RequestView[]).map((row) => row.id)).toEqual([failoverId]);
    expect(second.body.next_cursor).toBeNull();
    const errors = await get(`${harness.url}/v1/requests?status=error`, keyAdmin);
    expect(errors.body.data).toEqual([]);
    const since = await get(`${harness.url}/v1/requests?from=${Date.now() + 60_000}`, keyAdmin);
    expect(since.body.data).toEqual([]);
    const iso = await get(
      `${harness.url}/v1/requests?to=${new Date(Date.now() + 60_000).toISOString()}`,
      keyAdmin,
    );
    expect(iso.body.data as RequestView[]).toHaveLength(2);
  });

  it("answers 400 naming the field for a bad filter", async () => {
    for (const [query, param] of [
      ["status=bogus", "status"],
      ["from=yesterday", "from"],
      ["to=2026-13-45", "to"],
      ["limit=500", "limit"],
      ["limit=0", "limit"],
      ["cursor=not-a-cursor", "cursor"],
      ["colour=red", ""],
    ] as const) {
      const answer = await get(`${harness.url}/v1/requests?${query}`, keyAdmin);
      expect(answer.status, query).toBe(400);
      expect(answer.body, query).toMatchObject({ error: { code: "GW_ERR_INVALID_REQUEST" } });
      if (param) expect((answer.body.error as { param: string }).param, query).toBe(param);
    }
  });
});

describe("the request explorer and refusals", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      env: { LLM_GATEWAY_API_KEYS: `${keyA}=proj-a`, LLM_GATEWAY_MAX_RETRIES: "0" },
      configYaml: "rate_limits: { default_agent_rpm: 1 }\n",
    });
  });
  afterAll(async () => harness.close());

  it("keeps a request the rate limit refused, as an error with its code and no attempt", async () => {
    const { anthropic } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.text("ok", { inputTokens: 1, outputTokens: 1 }));
    expect((await chat(harness, keyA, "proj-a", "one")).status).toBe(200);
    const refused = await chat(harness, keyA, "proj-a", "two");
    expect(refused.status).toBe(429);
    const errors = await get(`${harness.url}/v1/requests?status=error`, keyA);
    expect(errors.body.data).toMatchObject([
      {
        id: refused.requestId,
        status: "error",
        error_code: "GW_ERR_RATE_LIMITED",
        attempts: [],
        provider: null,
      },
    ]);
  });
});

describe("the request explorer with bodies opted in", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      env: {
        LLM_GATEWAY_API_KEYS: `${keyA}=proj-a`,
        LLM_GATEWAY_REQUEST_BODIES: "true",
        LLM_GATEWAY_MAX_RETRIES: "0",
      },
    });
  });
  afterAll(async () => harness.close());

  it("keeps the messages and the answer, with provider and client keys redacted", async () => {
    const { anthropic } = harness.fakes;
    const managedLooking = `lgw_${"x".repeat(43)}`;
    anthropic.enqueueChat(
      anthropic.replies.text(`echo ${fakeProviderKeys.anthropic} done`, { inputTokens: 5, outputTokens: 2 }),
    );
    const { requestId } = await chat(
      harness,
      keyA,
      "proj-a",
      `my key is ${keyA}, theirs ${fakeProviderKeys.openai}, a managed one ${managedLooking}`,
    );
    const one = await get(`${harness.url}/v1/requests/${requestId}`, keyA);
    const bodies = (one.body as unknown as RequestView).bodies;
    expect(bodies?.request).toContain("my key is [redacted], theirs [redacted], a managed one [redacted]");
    expect(bodies?.answer).toBe("echo [redacted] done");
    const text = JSON.stringify(one.body);
    for (const secret of [keyA, managedLooking, ...Object.values(fakeProviderKeys)]) {
      expect(text).not.toContain(secret);
    }
  });
});

describeWithRedis("the request explorer on Redis, shared by two replicas", () => {
  const env = {
    LLM_GATEWAY_API_KEYS: `${keyA}=proj-a`,
    LLM_GATEWAY_REDIS_URL: sharedRedisUrl,
    LLM_GATEWAY_REDIS_KEY_PREFIX: `llmgw-test:${randomBytes(4).toString("hex")}:`,
    LLM_GATEWAY_MAX_RETRIES: "0",
  };
  let one: Harness;
  let two: Harness;
  beforeAll(async () => {
    one = await startHarness({ env });
    two = await startHarness({ env });
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
  });

  it("lists on one replica what another answered", async () => {
    const { anthropic } = one.fakes;
    anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
    one.fakes.openai.enqueueChat(one.fakes.openai.replies.text("ok", { inputTokens: 3, outputTokens: 1 }));
    const { requestId } = await chat(one, keyA, "proj-a", "hello");
    await one.gateway.listRequests({ limit: 1 }, undefined); // flushes replica one's queue
    const list = await get(`${two.url}/v1/requests?project_id=proj-a&model=gpt-4.1`, keyA);
    expect((list.body.data as RequestView[]).map((row) => [row.id, row.attempts.length])).toEqual([
      [requestId, 2],
    ]);
  });
});
