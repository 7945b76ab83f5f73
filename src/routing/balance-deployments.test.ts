import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/config-error.js";
import { loadConfig } from "../config/load-config.js";
import { createProviderAdapters } from "../providers/registry.js";
import { orderStep } from "./balance-deployments.js";
import { Deployments } from "./deployments.js";
import { parseDurationMs, readRateLimitHeaders } from "./rate-limit-headers.js";

const twoAccounts = `
providers:
  anthropic-eu: { kind: anthropic, base_url: "http://127.0.0.1:9", api_key: sk-ant-eu-fake-0009-do-not-log }
deployments:
  claude-sonnet-4:
    - { provider: anthropic, weight: 3 }
    - { provider: anthropic-eu, weight: 1, provider_model_id: claude-sonnet-4-eu, price_per_mtok: { input: 2, output: 10 } }
model_groups:
  dual: [claude-sonnet-4, gpt-4.1]
routing:
  strategy: least_busy
  model_groups: { dual: cheapest }
`;

function configFrom(yaml: string) {
  const path = join(mkdtempSync(join(tmpdir(), "llmgw-deployments-")), "gateway.yaml");
  writeFileSync(path, yaml);
  return loadConfig({ LLM_GATEWAY_CONFIG: path, ANTHROPIC_API_KEY: "sk-ant-x", OPENAI_API_KEY: "sk-oa-x" });
}

function configError(yaml: string): string {
  try {
    configFrom(yaml);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected the configuration to be refused");
}

/** A scripted `Math.random`: the values in turn, then the last one again. */
function scripted(...values: number[]): () => number {
  let index = 0;
  return () => values[Math.min(index++, values.length - 1)] as number;
}

async function deploymentsWith(yaml: string, random: () => number = Math.random, now = () => 1_000_000) {
  const config = configFrom(yaml);
  return new Deployments(config, await createProviderAdapters(config.providers), random, now);
}

const providersOf = (list: Array<{ provider: { name: string } }>) => list.map((d) => d.provider.name);

describe("config: deployments and routing", () => {
  it("adds deployments to a default catalog model without repeating its context window or prices", () => {
    const config = configFrom(twoAccounts);
    expect(config.deployments?.["claude-sonnet-4"]).toEqual([
      { provider: "anthropic", weight: 3 },
      {
        provider: "anthropic-eu",
        weight: 1,
        providerModelId: "claude-sonnet-4-eu",
        pricing: expect.objectContaining({
          inputMicroUsdPerMtok: 2_000_000,
          outputMicroUsdPerMtok: 10_000_000,
        }),
      },
    ]);
    expect(config.routing).toEqual({ strategy: "least_busy", modelGroups: { dual: "cheapest" } });
    expect(loadConfig({}).routing).toEqual({ strategy: "weighted", modelGroups: {} });
  });

  it("keeps the circuit key provider/model, and the catalog model's own object for an unchanged deployment", async () => {
    const deployments = await deploymentsWith(twoAccounts);
    const [home, eu] = deployments.deploymentsOf("claude-sonnet-4");
    expect(home?.key).toBe("anthropic/claude-sonnet-4");
    expect(eu?.key).toBe("anthropic-eu/claude-sonnet-4");
    expect(eu?.model).toMatchObject({
      name: "claude-sonnet-4",
      provider: "anthropic-eu",
      providerModelId: "claude-sonnet-4-eu",
    });
    expect(eu?.model.contextWindow).toBe(home?.model.contextWindow);
    expect(deployments.deploymentsOf("gpt-4.1").map((d) => d.key)).toEqual(["openai/gpt-4.1"]);
  });

  it.each([
    [
      "an unknown provider",
      "deployments:\n  claude-sonnet-4: [{ provider: anthropic }, { provider: nowhere }]\n",
      'deployments.claude-sonnet-4.1.provider names "nowhere", which is not a configured provider',
    ],
    [
      "a provider listed twice",
      "deployments:\n  claude-sonnet-4: [{ provider: anthropic }, { provider: anthropic }]\n",
      'deployments.claude-sonnet-4.1.provider lists "anthropic" a second time',
    ],
    [
      "an unknown model",
      "deployments:\n  claude-9: [{ provider: anthropic }]\n",
      "deployments.claude-9 names a model that is not in the model catalog",
    ],
    ["an empty list", "deployments:\n  claude-sonnet-4: []\n", "deployments.claude-sonnet-4"],
    ["a zero weight", "deployments:\n  claude-sonnet-4: [{ provider: anthropic, weight: 0 }]\n", "weight"],
    ["an unknown strategy", "routing: { strategy: round_robin }\n", "routing.strategy"],
    [
      "a strategy for an unknown group",
      "routing: { model_groups: { nope: cheapest } }\n",
      "routing.model_groups.nope is not a model group",
    ],
  ])("refuses %s, naming the field", (_what, yaml, message) => {
    expect(configError(yaml)).toContain(message);
  });
});

describe("balancing within a chain step", () => {
  it("returns the flat list: step 1's deployments ordered, then step 2's", async () => {
    const deployments = await deploymentsWith(
      twoAccounts.replace("least_busy", "weighted").replace("dual: cheapest", "dual: weighted"),
      scripted(0.1),
    );
    const targets = deployments.targetsFor({ modelGroup: "dual" }, "chat");
    expect(targets.map((d) => d.key)).toEqual([
      "anthropic/claude-sonnet-4",
      "anthropic-eu/claude-sonnet-4",
      "openai/gpt-4.1",
    ]);
  });

  it("weighted: picks in proportion to weight (3:1), the rest after", async () => {
    const deployments = await deploymentsWith(twoAccounts.replace("dual: cheapest", "dual: weighted"));
    const list = [...deployments.deploymentsOf("claude-sonnet-4")];
    const inputs = {
      strategy: "weighted" as const,
      need: { inputTokens: 0, outputTokens: 0 },
      now: 0,
      random: scripted(0.74),
    };
    orderStep(list, 0, 2, inputs);
    expect(providersOf(list)).toEqual(["anthropic", "anthropic-eu"]);
    orderStep(list, 0, 2, { ...inputs, random: scripted(0.76) });
    expect(providersOf(list)).toEqual(["anthropic-eu", "anthropic"]);
  });

  it("least_latency: the lowest time to first token first; an unmeasured deployment first, to measure it", async () => {
    const deployments = await deploymentsWith(twoAccounts);
    const [home, eu] = deployments.deploymentsOf("claude-sonnet-4");
    const list = [home, eu] as NonNullable<typeof home>[];
    const inputs = {
      strategy: "least_latency" as const,
      need: { inputTokens: 0, outputTokens: 0 },
      now: 0,
      random: scripted(0),
    };
    home?.load.noteFirstToken(60);
    orderStep(list, 0, 2, inputs);
    expect(providersOf(list)).toEqual(["anthropic-eu", "anthropic"]);
    eu?.load.noteFirstToken(200);
    orderStep(list, 0, 2, inputs);
    expect(providersOf(list)).toEqual(["anthropic", "anthropic-eu"]);
  });

  it("least_busy: fewest calls under way per unit of weight", async () => {
    const deployments = await deploymentsWith(twoAccounts);
    const [home, eu] = deployments.deploymentsOf("claude-sonnet-4");
    const list = [home, eu] as NonNullable<typeof home>[];
    const inputs = {
      strategy: "least_busy" as const,
      need: { inputTokens: 0, outputTokens: 0 },
      now: 0,
      random: scripted(0),
    };
    (eu as NonNullable<typeof eu>).load.inFlight = 1;
    (home as NonNullable<typeof home>).load.inFlight = 2; // 2 / weight 3 < 1 / weight 1
    orderStep(list, 0, 2, inputs);
    expect(providersOf(list)).toEqual(["anthropic", "anthropic-eu"]);
    (home as NonNullable<typeof home>).load.inFlight = 4; // 4 / 3 > 1
    orderStep(list, 0, 2, inputs);
    expect(providersOf(list)).toEqual(["anthropic-eu", "anthropic"]);
  });

  it("cheapest: the lowest price for the request's tokens", async () => {
    const deployments = await deploymentsWith(twoAccounts);
    const targets = deployments.targetsFor({ modelGroup: "dual" }, "chat", {
      inputTokens: 1000,
      outputTokens: 100,
    });
    expect(targets.map((d) => d.key)).toEqual([
      "anthropic-eu/claude-sonnet-4",
      "anthropic/claude-sonnet-4",
      "openai/gpt-4.1",
    ]);
  });

  it("sends a deployment its provider's headers hold back to the back of the step, until the reset", async () => {
    let now = Date.parse("2026-12-07T04:00:00Z");
    const deployments = await deploymentsWith(twoAccounts, Math.random, () => now);
    const [, eu] = deployments.deploymentsOf("claude-sonnet-4");
    eu?.load.noteResponseHeaders(200, {
      "anthropic-ratelimit-requests-remaining": "0",
      "anthropic-ratelimit-requests-reset": "2026-12-07T04:00:20Z",
    });
    const keys = () =>
      deployments
        .targetsFor({ modelGroup: "dual" }, "chat", { inputTokens: 10, outputTokens: 0 })
        .map((d) => d.key);
    expect(keys()[0]).toBe("anthropic/claude-sonnet-4");
    now += 21_000;
    expect(keys()[0]).toBe("anthropic-eu/claude-sonnet-4");
  });
});

describe("rate-limit headers", () => {
  const now = Date.parse("2026-12-07T04:00:00Z");

  it("reads OpenAI's remaining counts and Go-style reset durations", () => {
    expect(parseDurationMs("6m0s")).toBe(360_000);
    expect(parseDurationMs("1s")).toBe(1_000);
    expect(parseDurationMs("20ms")).toBe(20);
    expect(parseDurationMs("1h2m3.5s")).toBe(3_723_500);
    expect(parseDurationMs("soon")).toBeUndefined();
    expect(
      readRateLimitHeaders(
        200,
        {
          "x-ratelimit-remaining-requests": "0",
          "x-ratelimit-reset-requests": "20ms",
          "x-ratelimit-remaining-tokens": "159976",
          "x-ratelimit-reset-tokens": "6m0s",
        },
        now,
      ),
    ).toEqual({
      requestsRemaining: 0,
      requestsResetAt: now + 20,
      tokensRemaining: 159_976,
      tokensResetAt: now + 360_000,
    });
  });

  it("reads Anthropic's four families with RFC 3339 resets, and a 429's retry-after", () => {
    expect(
      readRateLimitHeaders(
        429,
        {
          "anthropic-ratelimit-requests-remaining": "999",
          "anthropic-ratelimit-requests-reset": "2026-12-07T04:00:59Z",
          "anthropic-ratelimit-input-tokens-remaining": "80",
          "anthropic-ratelimit-input-tokens-reset": "2026-12-07T04:00:30Z",
          "anthropic-ratelimit-output-tokens-remaining": "16000",
          "anthropic-ratelimit-tokens-remaining": "-1",
          "retry-after": "7",
        },
        now,
      ),
    ).toEqual({
      requestsRemaining: 999,
      requestsResetAt: now + 59_000,
      inputTokensRemaining: 80,
      inputTokensResetAt: now + 30_000,
      outputTokensRemaining: 16_000,
      retryAt: now + 7_000,
    });
    expect(readRateLimitHeaders(200, { "content-type": "application/json" }, now)).toBeUndefined();
  });

  it("holds a deployment back only while it lacks what this request needs", async () => {
    const deployments = await deploymentsWith(twoAccounts, Math.random, () => now);
    const [home] = deployments.deploymentsOf("claude-sonnet-4");
    const load = (home as NonNullable<typeof home>).load;
    load.noteResponseHeaders(200, {
      "anthropic-ratelimit-input-tokens-remaining": "500",
      "anthropic-ratelimit-input-tokens-reset": "2026-12-07T04:00:30Z",
    });
    expect(load.heldBackUntil({ inputTokens: 400, outputTokens: 0 }, now)).toBe(0);
    expect(load.heldBackUntil({ inputTokens: 600, outputTokens: 0 }, now)).toBe(now + 30_000);
    expect(load.heldBackUntil({ inputTokens: 600, outputTokens: 0 }, now + 31_000)).toBe(0);
    load.noteResponseHeaders(429, { "retry-after": "5" });
    expect(load.heldBackUntil({ inputTokens: 0, outputTokens: 0 }, now)).toBe(now + 5_000);
  });
});
