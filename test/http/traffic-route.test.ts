import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TrafficReport } from "../../src/observability/traffic-aggregator.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { registerTestSecrets } from "../helpers/test-log-files.js";

const keys = {
  projectA: "ck-traffic-proj-a-5d1e0c7b9a8f",
  projectB: "ck-traffic-proj-b-2c4e6a8b0d1f",
  admin: "ck-traffic-admin-7b3d5f9e1a2c",
};
const secret = "B-private-prompt-echo-4417";

describe("GET /v1/traffic", () => {
  let harness: Harness;
  const chat = (key: string, project: string) =>
    new OpenAI({
      apiKey: key,
      baseURL: `${harness.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { "x-project-id": project },
    }).chat.completions.create({ model: "reasoning", messages: [{ role: "user", content: "Hi" }] });
  const trafficWith = async (key?: string) =>
    fetch(`${harness.url}/v1/traffic`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const reportFor = async (key: string) => {
    const response = await trafficWith(key);
    expect(response.status).toBe(200);
    const text = await response.text();
    // No error text is kept, so none can leak, whoever asks.
    expect(text).not.toContain(secret);
    return JSON.parse(text) as TrafficReport;
  };

  beforeAll(async () => {
    registerTestSecrets("traffic-route", keys);
    harness = await startHarness({
      providers: ["anthropic", "openai"],
      env: {
        LLM_GATEWAY_API_KEYS: `${keys.projectA}=proj-a,${keys.projectB}=proj-b|proj-broke,${keys.admin}=*`,
        LLM_GATEWAY_MAX_RETRIES: "0",
      },
      configYaml: [
        "rate_limits:\n  projects:\n    proj-b: { requests_per_minute: 1 }",
        "budgets:\n  projects:\n    proj-broke: { daily_usd: 0.000001 }",
      ].join("\n"),
    });
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.text("ok", { inputTokens: 10, outputTokens: 5 }));
    await chat(keys.projectA, "proj-a");
    // B's request fails over: the 529's body echoes B's prompt.
    anthropic.enqueueChat(anthropic.replies.error(529, `Overloaded while processing "${secret}"`));
    openai.enqueueChat(openai.replies.text("ok", { inputTokens: 10, outputTokens: 5 }));
    await chat(keys.projectB, "proj-b");
    // Refused before routing: one request a minute for proj-b, no budget left for proj-broke.
    await expect(chat(keys.projectB, "proj-b")).rejects.toMatchObject({ status: 429 });
    await expect(chat(keys.projectB, "proj-broke")).rejects.toMatchObject({ status: 429 });
  });
  afterAll(async () => harness?.close());

  it("needs a client key like the rest of /v1", async () => {
    expect((await trafficWith()).status).toBe(401);
  });

  it("shows a project key its own projects' latency, errors and refusals only", async () => {
    const ofA = await reportFor(keys.projectA);
    expect(ofA.minutes).toHaveLength(60);
    expect(ofA.models.map(({ deployment, requests }) => [deployment, requests])).toEqual([
      ["anthropic/claude-opus-4-5", 1],
    ]);
    expect(ofA.models[0]?.p50_ms).toEqual(expect.any(Number));
    expect(
      ofA.providers.map(({ provider, attempts, errors, failovers }) => [
        provider,
        attempts,
        errors,
        failovers,
      ]),
    ).toEqual([["anthropic", 1, 0, 0]]);
    expect(ofA.refusals).toEqual([]);

    const ofB = await reportFor(keys.projectB);
    expect(ofB.models.map(({ deployment, requests }) => [deployment, requests])).toEqual([
      ["openai/gpt-4.1", 1],
    ]);
    expect(
      Object.fromEntries(
        ofB.providers.map(({ provider, errors, failovers }) => [provider, { errors, failovers }]),
      ),
    ).toEqual({ anthropic: { errors: 1, failovers: 1 }, openai: { errors: 0, failovers: 0 } });
    // Budget and rate-limit refusals reach the observer (the gateway reports every failed call to it).
    expect(
      ofB.refusals.map(({ project_id, budget, rate_limit }) => [project_id, budget, rate_limit]),
    ).toEqual([
      ["proj-b", 0, 1],
      ["proj-broke", 1, 0],
    ]);
  });

  it("shows an admin key every project", async () => {
    const all = await reportFor(keys.admin);
    expect(all.models.map((model) => model.deployment).sort()).toEqual([
      "anthropic/claude-opus-4-5",
      "openai/gpt-4.1",
    ]);
    const anthropic = all.providers.find((provider) => provider.provider === "anthropic");
    expect(anthropic).toMatchObject({ attempts: 2, errors: 1, failovers: 1, error_rate: 0.5 });
    expect(all.refusals).toHaveLength(2);
  });
});
