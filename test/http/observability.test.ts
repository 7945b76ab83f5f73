import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

describe("metrics, request logs and the status feed", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ env: { LLM_GATEWAY_MAX_RETRIES: "0" } });
    const client = new OpenAI({
      apiKey: "unused",
      baseURL: `${harness.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { "x-project-id": "proj-observed", "x-agent-id": "watcher" },
    });
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
    openai.enqueueChat(openai.replies.text("fallback answer", { inputTokens: 100, outputTokens: 10 }));
    await client.chat.completions.create({ model: "reasoning", messages: [{ role: "user", content: "Hi" }] });
    anthropic.enqueueChat(
      anthropic.replies.stream(["a", "b"], { usage: { inputTokens: 7, outputTokens: 2 } }),
    );
    const stream = await client.chat.completions.create({
      model: "reasoning",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
    });
    for await (const _chunk of stream) {
      // drain
    }
    await client.chat.completions
      .create({ model: "no-such-model", messages: [{ role: "user", content: "Hi" }] })
      .catch(() => {});
  });
  afterAll(async () => harness.close());

  it("exposes requests, latency, time to first token, tokens, cost, failovers, circuits and store health", async () => {
    const response = await fetch(`${harness.url}/metrics`);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toContain(
      'llm_gateway_requests_total{door="openai",kind="chat",group="reasoning",provider="openai",model="gpt-4.1",outcome="success",error_code=""} 1',
    );
    // Refused at the door, before the chat use case: counted as an HTTP response.
    expect(text).toContain(
      'llm_gateway_http_responses_total{method="POST",route="/v1/chat/completions",status="404"} 1',
    );
    expect(text).toContain(
      'llm_gateway_failovers_total{group="reasoning",provider="anthropic",model="claude-opus-4-5",reason="failed"} 1',
    );
    expect(text).toContain('llm_gateway_tokens_total{provider="openai",model="gpt-4.1",type="input"} 100');
    // 100 x $2 + 10 x $8 per million tokens
    expect(text).toContain('llm_gateway_cost_usd_total{provider="openai",model="gpt-4.1"} 0.00028');
    expect(text).toMatch(
      /llm_gateway_request_duration_seconds_count\{door="openai",kind="chat",group="reasoning",provider="openai",model="gpt-4.1",outcome="success"\} 1/,
    );
    expect(text).toMatch(
      /llm_gateway_time_to_first_token_seconds_count\{door="openai",group="reasoning",provider="anthropic",model="claude-opus-4-5"\} 1/,
    );
    expect(text).toContain(
      'llm_gateway_circuit_state{deployment="anthropic/claude-opus-4-5",provider="anthropic",model="claude-opus-4-5"} 0',
    );
    expect(text).toContain("llm_gateway_store_up 1");
    expect(text).toContain("llm_gateway_journal_backlog 0");
  });

  it("logs one structured line per request with who, what, attempts, tokens, cost and latency", () => {
    const line = harness.logs.find(
      (entry) => entry.msg === "request finished" && entry.provider === "openai",
    );
    expect(line).toMatchObject({
      door: "openai",
      project: "proj-observed",
      agent: "watcher",
      group: "reasoning",
      model: "gpt-4.1",
      outcome: "success",
      attempts: 2,
      failedAttempts: 1,
      inputTokens: 100,
      outputTokens: 10,
      costUsd: 0.00028,
    });
    expect(typeof line?.requestId).toBe("string");
    expect(typeof line?.latencyMs).toBe("number");
  });

  it("reports chains, circuit states and recent failovers at /v1/status", async () => {
    const status = (await (await fetch(`${harness.url}/v1/status`)).json()) as {
      groups: Array<{ name: string; models: Array<{ model: string; circuit: string }> }>;
      failovers: Array<{ path: Array<{ provider: string; outcome: string }>; answeredBy: string }>;
    };
    expect(status.groups.find((group) => group.name === "reasoning")?.models[0]).toMatchObject({
      model: "claude-opus-4-5",
      circuit: "closed",
    });
    expect(status.failovers[0]).toMatchObject({
      answeredBy: "openai/gpt-4.1",
      path: [
        { provider: "anthropic", outcome: "failed" },
        { provider: "openai", outcome: "success" },
      ],
    });
  });
});
