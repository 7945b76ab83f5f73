import type { Client } from "@modelcontextprotocol/client";
import type OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createFakeAnthropic } from "../../src/fakes/anthropic/fake-anthropic.js";
import type { FakeProvider } from "../../src/fakes/fake-provider.js";
import type { FakeResponse } from "../../src/fakes/fake-upstream-server.js";
import { createFakeOpenAi } from "../../src/fakes/openai/fake-openai.js";
import type { ChatResult } from "../../src/gateway/chat-types.js";
import type { ListedModel, ModelListing } from "../../src/gateway/list-models.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";
import { openAiClientFor } from "../helpers/sdk-clients.js";

/*
 * Two deployments of claude-sonnet-4 (the built-in `anthropic` provider and a second Anthropic
 * account, `anthropic-eu`, each on its own fake) and two of gpt-4.1 (`openai` and `openai-two`),
 * through the doors: the openai SDK on /v1 and MCP chat_completion.
 */

const caller = { project_id: "proj-deployments", agent_id: "agent-d" };
const euKey = "sk-ant-eu-fake-0011-do-not-log";
const openAiTwoKey = "sk-openai-two-fake-0012-do-not-log";

function configYaml(eu: FakeProvider, openAiTwo: FakeProvider): string {
  return `
providers:
  anthropic-eu: { kind: anthropic, base_url: "${eu.baseUrl}", api_key: ${euKey} }
  openai-two: { kind: openai, base_url: "${openAiTwo.baseUrl}", api_key: ${openAiTwoKey} }
deployments:
  claude-sonnet-4:
    - { provider: anthropic, weight: 3 }
    - { provider: anthropic-eu, weight: 1, price_per_mtok: { input: 2, output: 10 } }
  gpt-4.1:
    - { provider: openai }
    - { provider: openai-two }
model_groups:
  by-weight: [claude-sonnet-4, gpt-4.1]
  by-latency: [claude-sonnet-4, gpt-4.1]
  by-busy: [claude-sonnet-4, gpt-4.1]
  by-price: [claude-sonnet-4, gpt-4.1]
  gpt-pair: [gpt-4.1]
routing:
  strategy: weighted
  model_groups: { by-latency: least_latency, by-busy: least_busy, by-price: cheapest }
circuit: { failure_threshold: 3, cooldown_seconds: 30 }
`;
}

/** Every chat call answered after `delayMs`, streamed or not as asked, with extra response headers. */
function answerAfter(fake: FakeProvider, delayMs: number, headers: Record<string, string> = {}): void {
  fake.server.intercept((call) => {
    if (call.method !== "POST") return undefined;
    const streamed = (call.body as { stream?: boolean } | undefined)?.stream === true;
    const reply = streamed
      ? fake.replies.stream(["Hello", " there"], { delayMs })
      : { ...fake.replies.text("Hello there"), delayMs };
    const own = "headers" in reply ? reply.headers : undefined;
    return { ...reply, headers: { ...own, ...headers } } as FakeResponse;
  });
}

function failWith(fake: FakeProvider, status: number): void {
  fake.server.intercept((call) => (call.method === "POST" ? fake.replies.error(status, "down") : undefined));
}

function clientFor(harness: Harness): OpenAI {
  return openAiClientFor(harness.url, caller);
}

const hello = [{ role: "user" as const, content: "Say hello" }];

describe("deployments: balancing within a chain step (openai SDK on /v1)", () => {
  let harness: Harness;
  let eu: FakeProvider;
  let openAiTwo: FakeProvider;
  let openai: OpenAI;
  const figures: string[] = [];

  beforeAll(async () => {
    eu = await createFakeAnthropic();
    openAiTwo = await createFakeOpenAi();
    harness = await startHarness({
      configYaml: configYaml(eu, openAiTwo),
      env: { LLM_GATEWAY_MAX_RETRIES: "0" },
    });
    openai = clientFor(harness);
    // Skewed latency: the home account answers in ~5 ms, the EU one in ~60 ms.
    answerAfter(harness.fakes.anthropic, 5);
    answerAfter(eu, 60);
  });
  afterEach(() => {
    for (const fake of [...Object.values(harness.fakes), eu, openAiTwo]) fake.server.reset();
  });
  afterAll(async () => {
    console.log(
      `\nShare of traffic per strategy (claude-sonnet-4: anthropic ~5 ms, anthropic-eu ~60 ms)\n${figures.join("\n")}\n`,
    );
    await harness.close();
    await eu.close();
    await openAiTwo.close();
  });

  /** Calls made to each fake in this phase, as shares; printed into the figures. */
  function shares(strategy: string, requests: number): { home: number; eu: number } {
    const home = harness.fakes.anthropic.server.calls.length;
    const away = eu.server.calls.length;
    const total = home + away;
    expect(total).toBe(requests);
    expect(harness.fakes.openai.server.calls.length + openAiTwo.server.calls.length).toBe(0);
    const share = { home: home / total, eu: away / total };
    figures.push(
      `  ${strategy.padEnd(14)} n=${String(requests).padStart(3)}  anthropic ${(share.home * 100).toFixed(0).padStart(3)}%  anthropic-eu ${(share.eu * 100).toFixed(0).padStart(3)}%`,
    );
    return share;
  }

  async function sequential(group: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const completion = await openai.chat.completions.create({ model: group, messages: hello });
      expect(completion.model).toBe("claude-sonnet-4");
    }
  }

  it("weighted 3:1 gives about 75/25", async () => {
    // Draws are random: with 160 of them these bounds fail a correct 3:1 once in ~2,600 runs (60
    // draws and 0.6-0.9 failed 1 %), and pass weights ignored (50/50) once in ~1,800.
    await sequential("by-weight", 160);
    const share = shares("weighted 3:1", 160);
    expect(share.home).toBeGreaterThan(0.63);
    expect(share.home).toBeLessThan(0.87);
  });

  it("least_latency sends nearly everything to the fast deployment", async () => {
    await sequential("by-latency", 30);
    const share = shares("least_latency", 30);
    expect(share.home).toBeGreaterThanOrEqual(0.9);
  });

  it("least_busy spreads concurrent load over both", async () => {
    for (let wave = 0; wave < 3; wave++) {
      await Promise.all(
        Array.from({ length: 10 }, () =>
          openai.chat.completions.create({ model: "by-busy", messages: hello }),
        ),
      );
    }
    const share = shares("least_busy", 30);
    expect(share.home).toBeGreaterThan(0.15);
    expect(share.eu).toBeGreaterThan(0.15);
  });

  it("cheapest sends everything to the cheaper deployment (anthropic-eu: $2/$10 against $3/$15)", async () => {
    await sequential("by-price", 20);
    const share = shares("cheapest", 20);
    expect(share.eu).toBe(1);
  });

  it("GET /v1/models and list_models show each deployment with its share of traffic", async () => {
    const page = await openai.models.list();
    const sonnet = page.data.find((model) => model.id === "claude-sonnet-4") as unknown as ListedModel & {
      id: string;
    };
    expect(sonnet.deployments.map((d) => [d.provider, d.provider_model_id, d.available, d.circuit])).toEqual([
      ["anthropic", expect.any(String), true, "closed"],
      ["anthropic-eu", expect.any(String), true, "closed"],
    ]);
    const [home, away] = sonnet.deployments;
    // Every call of the phases above: weighted 160, least_latency 30, least_busy 30, cheapest 20.
    expect((home?.served ?? 0) + (away?.served ?? 0)).toBe(240);
    expect((home?.traffic_share ?? 0) + (away?.traffic_share ?? 0)).toBeCloseTo(1, 2);
    // Both measured (the order is least_latency's test: concurrent waves since then skew the averages).
    expect(home?.ttft_ms).toBeGreaterThan(0);
    expect(away?.ttft_ms).toBeGreaterThan(0);
    expect(home?.in_flight).toBe(0);
    // Groups are listed without deployments; a single-deployment model lists its one.
    expect(page.data.find((model) => model.id === "by-weight")).not.toHaveProperty("deployments");
    const haiku = page.data.find((model) => model.id === "claude-haiku") as unknown as ListedModel;
    expect(haiku.deployments.map((d) => d.provider)).toEqual(["anthropic"]);

    const client = await connectMcp(harness.url);
    try {
      const { isError, structured } = await callTool<ModelListing>(client, "list_models", {
        ...caller,
        model_group: "by-weight",
      });
      expect(isError).toBe(false);
      const [entry] = structured.groups[0]?.models ?? [];
      // The chain entry keeps its fields and gains `deployments`.
      expect(entry).toMatchObject({
        model: "claude-sonnet-4",
        provider: "anthropic",
        available: true,
        circuit: "closed",
      });
      expect(entry?.deployments.map((d) => d.provider)).toEqual(["anthropic", "anthropic-eu"]);
    } finally {
      await client.close();
    }
  });

  it("Anthropic's headers saying no requests are left move traffic to the other deployment before any 429", async () => {
    const reset = new Date(Date.now() + 60_000).toISOString();
    answerAfter(harness.fakes.anthropic, 5, {
      "anthropic-ratelimit-requests-remaining": "0",
      "anthropic-ratelimit-requests-reset": reset,
    });
    // Until one answer from the home account has carried the headers, weighted picks it 3 times in 4.
    for (let i = 0; i < 40 && harness.fakes.anthropic.server.calls.length === 0; i++) {
      await openai.chat.completions.create({ model: "by-weight", messages: hello });
    }
    expect(harness.fakes.anthropic.server.calls.length).toBe(1);
    const before = eu.server.calls.length;
    await sequential("by-weight", 12);
    expect(harness.fakes.anthropic.server.calls.length).toBe(1);
    expect(eu.server.calls.length).toBe(before + 12);
    const listing = await openai.models.retrieve("claude-sonnet-4");
    const [home] = (listing as unknown as ListedModel).deployments;
    expect(home?.rate_limited_until).toBe(reset);
  });

  it("OpenAI's headers saying fewer tokens are left than the request needs move it to the other account", async () => {
    answerAfter(harness.fakes.openai, 5, {
      "x-ratelimit-remaining-requests": "499",
      "x-ratelimit-reset-requests": "120ms",
      "x-ratelimit-remaining-tokens": "50",
      "x-ratelimit-reset-tokens": "6m0s",
    });
    answerAfter(openAiTwo, 5);
    const long = [{ role: "user" as const, content: "Summarise this. ".repeat(40) }]; // ~160 tokens
    for (let i = 0; i < 20 && harness.fakes.openai.server.calls.length === 0; i++) {
      await openai.chat.completions.create({ model: "gpt-pair", messages: long });
    }
    expect(harness.fakes.openai.server.calls.length).toBe(1);
    const before = openAiTwo.server.calls.length;
    for (let i = 0; i < 8; i++) await openai.chat.completions.create({ model: "gpt-pair", messages: long });
    expect(harness.fakes.openai.server.calls.length).toBe(1);
    expect(openAiTwo.server.calls.length).toBe(before + 8);
  });
  it("a 429's retry-after marks the account: the next requests go to the other one without calling it", async () => {
    answerAfter(harness.fakes.openai, 5);
    openAiTwo.server.intercept((call) =>
      call.method === "POST"
        ? openAiTwo.replies.error(429, "Rate limit reached", { retryAfterSeconds: 30 })
        : undefined,
    );
    for (let i = 0; i < 20 && openAiTwo.server.calls.length === 0; i++) {
      const completion = await openai.chat.completions.create({ model: "gpt-pair", messages: hello });
      expect(completion.model).toBe("gpt-4.1");
    }
    expect(openAiTwo.server.calls.length).toBe(1);
    const before = harness.fakes.openai.server.calls.length;
    for (let i = 0; i < 8; i++) await openai.chat.completions.create({ model: "gpt-pair", messages: hello });
    expect(openAiTwo.server.calls.length).toBe(1);
    expect(harness.fakes.openai.server.calls.length).toBe(before + 8);
  });
});

describe("deployments: failover within a step, then to the next step (MCP chat_completion)", () => {
  let harness: Harness;
  let eu: FakeProvider;
  let openAiTwo: FakeProvider;
  let client: Client;

  beforeAll(async () => {
    eu = await createFakeAnthropic();
    openAiTwo = await createFakeOpenAi();
    harness = await startHarness({
      configYaml: configYaml(eu, openAiTwo),
      env: { LLM_GATEWAY_MAX_RETRIES: "0" },
    });
    client = await connectMcp(harness.url);
  });
  afterAll(async () => {
    await client.close();
    await harness.close();
    await eu.close();
    await openAiTwo.close();
  });

  const ask = () =>
    callTool<ChatResult>(client, "chat_completion", { ...caller, model_group: "by-weight", messages: hello });

  it("one Anthropic account down (503, then its circuit open) -> the other answers, gpt-4.1 untouched", async () => {
    failWith(harness.fakes.anthropic, 503);
    const outcomes: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { isError, structured } = await ask();
      expect(isError).toBe(false);
      expect(structured).toMatchObject({ model: "claude-sonnet-4", provider: "anthropic-eu" });
      // `attempts` is left out of a first try that succeeded.
      const attempts = structured.attempts ?? [{ provider: structured.provider, outcome: "success" }];
      outcomes.push(attempts.map((a) => `${a.provider}:${a.outcome}`).join(" "));
    }
    expect(harness.fakes.openai.server.calls.length + openAiTwo.server.calls.length).toBe(0);
    // Three failures open the home account's circuit: it is skipped uncalled after that.
    expect(harness.fakes.anthropic.server.calls.length).toBe(3);
    expect(outcomes).toContain("anthropic:failed anthropic-eu:success");
    expect(outcomes).toContain("anthropic:skipped_circuit_open anthropic-eu:success");

    const openai = clientFor(harness);
    const stream = await openai.chat.completions.create({
      model: "by-weight",
      messages: hello,
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text.length).toBeGreaterThan(0);
    expect(eu.server.calls.length).toBe(13);

    const listing = await callTool<ModelListing>(client, "list_models", {
      ...caller,
      model_group: "by-weight",
    });
    const sonnet = listing.structured.groups[0]?.models[0];
    expect(sonnet?.deployments.map((d) => `${d.provider}:${d.circuit}`)).toEqual([
      "anthropic:open",
      "anthropic-eu:closed",
    ]);
  });

  it("both Anthropic accounts down -> the chain's next step (gpt-4.1) answers", async () => {
    failWith(eu, 503);
    const { isError, structured } = await ask();
    expect(isError).toBe(false);
    expect(structured.model).toBe("gpt-4.1");
    const tried = structured.attempts.map((a) => `${a.provider}/${a.model}:${a.outcome}`);
    // The step's two deployments in either order (weighted), both before the next step.
    expect(tried.slice(0, 2).sort()).toEqual([
      "anthropic-eu/claude-sonnet-4:failed",
      "anthropic/claude-sonnet-4:skipped_circuit_open",
    ]);
    expect(tried[2]).toMatch(/^openai(-two)?\/gpt-4\.1:success$/);
  });
});
