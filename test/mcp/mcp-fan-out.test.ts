import type { Client } from "@modelcontextprotocol/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";
import { pricedModelYaml } from "../security/security-fixtures.js";

interface FanOutEntry {
  asked: string;
  content?: string | null;
  model?: string;
  provider?: string;
  usage?: { input_tokens: number; output_tokens: number };
  cost_usd?: number;
  latency_ms?: number;
  error?: { code: string; message: string };
}

interface FanOutStructured {
  answers: FanOutEntry[];
  synthesis?: FanOutEntry;
}

interface UsageReport {
  requests: number;
  by_model: Record<string, { requests: number; input_tokens: number; output_tokens: number }>;
}

const question = [{ role: "user", content: "Is a tomato a fruit?" }];

describe("chat_completion with models: several models in one call", () => {
  let harness: Harness;
  let client: Client;
  beforeAll(async () => {
    harness = await startHarness({
      providers: ["anthropic", "openai", "google"],
      env: { LLM_GATEWAY_MAX_RETRIES: "0" },
    });
    client = await connectMcp(harness.url);
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => {
    await client.close();
    await harness.close();
  });

  const queueThreeWithOneFailing = () => {
    const { anthropic, openai, google } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.text("Botanically, yes.", { inputTokens: 12, outputTokens: 4 }));
    openai.enqueueChat(openai.replies.text("Yes, a berry in fact.", { inputTokens: 11, outputTokens: 6 }));
    google.enqueueChat(google.replies.error(400, "Request contains an invalid argument."));
  };

  it("answers each model apart, one failure failing only its entry, each booked as its own request", async () => {
    queueThreeWithOneFailing();
    const project = { project_id: "proj-fan-out", agent_id: "agent-1" };
    const answered = await callTool<FanOutStructured>(client, "chat_completion", {
      ...project,
      models: ["claude-haiku", "gpt-4.1-mini", "gemini-flash"],
      messages: question,
    });
    expect(answered.isError).toBe(false);
    const [claude, gpt, gemini] = answered.structured.answers;
    expect(claude).toMatchObject({
      asked: "claude-haiku",
      content: "Botanically, yes.",
      model: "claude-haiku",
      provider: "anthropic",
      usage: { input_tokens: 12, output_tokens: 4 },
    });
    expect(claude?.cost_usd).toBeGreaterThan(0);
    expect(claude?.latency_ms).toEqual(expect.any(Number));
    expect(gpt).toMatchObject({
      asked: "gpt-4.1-mini",
      content: "Yes, a berry in fact.",
      provider: "openai",
    });
    expect(gemini?.asked).toBe("gemini-flash");
    expect(gemini?.error?.code).toBe("GW_ERR_UPSTREAM_REJECTED_REQUEST");
    expect(gemini).not.toHaveProperty("content");
    expect(answered.text).toContain("## claude-haiku\nBotanically, yes.");
    expect(answered.text).toContain("## gemini-flash\nfailed: GW_ERR_UPSTREAM_REJECTED_REQUEST");

    const usage = await callTool<UsageReport>(client, "get_usage", project);
    expect(usage.structured.by_model["claude-haiku"]).toMatchObject({
      requests: 1,
      input_tokens: 12,
      output_tokens: 4,
    });
    expect(usage.structured.by_model["gpt-4.1-mini"]).toMatchObject({ requests: 1, output_tokens: 6 });
    expect(usage.structured.requests).toBe(2);
  });

  it("reports progress as each model settles, with a readable message", async () => {
    queueThreeWithOneFailing();
    const updates: Array<{ progress: number; total?: number; message?: string }> = [];
    await client.callTool(
      {
        name: "chat_completion",
        arguments: {
          project_id: "proj-fan-out-progress",
          agent_id: "agent-1",
          models: ["claude-haiku", "gpt-4.1-mini", "gemini-flash"],
          messages: question,
        },
      },
      { onprogress: (update) => updates.push(update) },
    );
    expect(updates.map((update) => [update.progress, update.total])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    const messages = updates.map((update) => update.message ?? "");
    expect(messages).toContainEqual(
      expect.stringMatching(/^\d\/3 claude-haiku answered \(claude-haiku, 4 tokens/),
    );
    expect(messages).toContainEqual(
      expect.stringMatching(/^\d\/3 gemini-flash failed: GW_ERR_UPSTREAM_REJECTED_REQUEST$/),
    );
  });

  it("hands the answers to the judge unlabelled and books its synthesis", async () => {
    queueThreeWithOneFailing();
    const { openai } = harness.fakes;
    openai.enqueueChat(
      openai.replies.text("Synthesis: botanically a berry, so a fruit.", {
        inputTokens: 80,
        outputTokens: 9,
      }),
    );
    const project = { project_id: "proj-fan-out-judge", agent_id: "agent-1" };
    const answered = await callTool<FanOutStructured>(client, "chat_completion", {
      ...project,
      models: ["claude-haiku", "gpt-4.1-mini", "gemini-flash"],
      judge: "gpt-4.1-mini",
      messages: question,
    });
    expect(answered.structured.synthesis).toMatchObject({
      asked: "gpt-4.1-mini",
      content: "Synthesis: botanically a berry, so a fruit.",
      usage: { input_tokens: 80, output_tokens: 9 },
    });
    expect(answered.text).toMatch(/## Synthesis \(gpt-4\.1-mini\)\nSynthesis: botanically/);

    const judgeCall = harness.fakes.openai.chatCalls()[1];
    const judgePrompt = JSON.stringify(judgeCall?.body);
    expect(judgePrompt).toContain("Is a tomato a fruit?");
    expect(judgePrompt).toContain("Botanically, yes.");
    expect(judgePrompt).toContain("Yes, a berry in fact.");
    // Unlabelled: neither the models' names nor their providers reach the judge.
    expect(judgePrompt).not.toMatch(/claude|anthropic|gemini|gpt-4\.1-mini answered/i);

    const usage = await callTool<UsageReport>(client, "get_usage", project);
    expect(usage.structured.requests).toBe(3);
    expect(usage.structured.by_model["gpt-4.1-mini"]).toMatchObject({ requests: 2, output_tokens: 15 });
  });

  it("shuffles the answers it hands the judge", async () => {
    const orders = new Set<string>();
    const { anthropic, openai } = harness.fakes;
    for (let round = 0; round < 12 && orders.size < 2; round++) {
      anthropic.enqueueChat(anthropic.replies.text("ANSWER-A"));
      openai.enqueueChat(openai.replies.text("ANSWER-B"), openai.replies.text("merged"));
      await callTool(client, "chat_completion", {
        project_id: "proj-fan-out-shuffle",
        agent_id: "agent-1",
        models: ["claude-haiku", "gpt-4.1-mini"],
        judge: "gpt-4.1-mini",
        messages: question,
      });
      const prompt = JSON.stringify(openai.chatCalls().at(-1)?.body);
      orders.add(prompt.indexOf("ANSWER-A") < prompt.indexOf("ANSWER-B") ? "A first" : "B first");
    }
    // Twelve fair coin flips all landing the same way: one chance in 2,048.
    expect(orders).toEqual(new Set(["A first", "B first"]));
  });

  describe("refuses bad input before anything is spent", () => {
    const base = { project_id: "proj-fan-out-bad", agent_id: "agent-1", messages: question };
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      [
        "an unknown entry",
        { models: ["claude-haiku", "no-such-model"] },
        /GW_ERR_UNKNOWN_MODEL.*no-such-model/,
      ],
      ["more than 8", { models: Array.from({ length: 9 }, () => "fast") }, /models/],
      ["an empty list", { models: [] }, /models/],
      [
        "models with model",
        { models: ["fast"], model: "claude-haiku" },
        /`models` or `model`\/`model_group`/,
      ],
      [
        "models with model_group",
        { models: ["fast"], model_group: "fast" },
        /`models` or `model`\/`model_group`/,
      ],
      ["models with stream", { models: ["fast"], stream: true }, /`stream` does not apply with `models`/],
      ["models with fallbacks", { models: ["fast"], fallbacks: ["gpt-4.1"] }, /`fallbacks` does not apply/],
      ["judge without models", { judge: "fast" }, /`judge` needs `models`/],
      [
        "an unknown judge",
        { models: ["fast"], judge: "no-such-judge" },
        /GW_ERR_UNKNOWN_MODEL.*no-such-judge/,
      ],
    ];
    for (const [name, args, message] of cases) {
      it(name, async () => {
        const refused = await callTool(client, "chat_completion", { ...base, ...args });
        expect(refused.isError).toBe(true);
        expect(refused.text).toMatch(message);
        for (const fake of Object.values(harness.fakes)) expect(fake.chatCalls()).toHaveLength(0);
      });
    }
  });
});

describe("chat_completion with models under a budget that admits only some", () => {
  let harness: Harness;
  let client: Client;
  beforeAll(async () => {
    // priced-mini costs $0.0001 a token: one entry's hold (prompt + 10 output tokens) fits $0.004, two do not.
    harness = await startHarness({
      providers: ["openai"],
      configYaml: `${pricedModelYaml}\nbudgets:\n  projects:\n    proj-fan-out-budget: { daily_usd: 0.004 }\n`,
    });
    client = await connectMcp(harness.url);
  });
  afterAll(async () => {
    await client.close();
    await harness.close();
  });

  it("runs the entries admitted first; the others carry the budget refusal, and the call still answers", async () => {
    const { openai } = harness.fakes;
    // Slow answers: both holds are taken while the first entry is still running.
    for (let index = 0; index < 2; index++) {
      const slow = { ...openai.replies.text("ok", { inputTokens: 12, outputTokens: 1 }), delayMs: 300 };
      openai.enqueueChat(slow as ReturnType<typeof openai.replies.text>);
    }
    const project = { project_id: "proj-fan-out-budget", agent_id: "agent-1" };
    const answered = await callTool<FanOutStructured>(client, "chat_completion", {
      ...project,
      models: ["priced-mini", "priced-mini"],
      max_tokens: 10,
      messages: question,
    });
    expect(answered.isError).toBe(false);
    const outcomes = answered.structured.answers.map((entry) => entry.error?.code ?? entry.content);
    expect(outcomes.sort()).toEqual(["GW_ERR_BUDGET_EXCEEDED", "ok"]);
    expect(openai.chatCalls()).toHaveLength(1);
    const usage = await callTool<UsageReport>(client, "get_usage", project);
    expect(usage.structured.requests).toBe(1);
  });
});
