import type { Client } from "@modelcontextprotocol/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openAiResponsesPath } from "../../src/fakes/openai/fake-openai-responses.js";
import type { ChatResult } from "../../src/gateway/chat-types.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";

/** limited = anthropic (claude-sonnet-4) -> openai (gpt-4.1) */
const configYaml = "model_groups:\n  limited: [claude-sonnet-4, gpt-4.1]\n";
const messages = [{ role: "user", content: "Say hello" }];

function post(harness: Harness, path: string, body: unknown): Promise<Response> {
  return fetch(`${harness.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify(body),
  });
}

describe("every deployment of the chain answered 429", () => {
  let harness: Harness;
  let client: Client;

  /** Claude asks for 7 s, OpenAI for 3 s: the caller is told the shorter wait. */
  function rateLimitBoth(openAiPath?: string): void {
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.error(429, "rate limited", { retryAfterSeconds: 7 }));
    const openAiLimit = openai.replies.error(429, "slow down", { retryAfterSeconds: 3 });
    if (openAiPath === undefined) openai.enqueueChat(openAiLimit);
    else openai.server.enqueue(openAiPath, openAiLimit);
  }

  beforeAll(async () => {
    harness = await startHarness({
      env: { LLM_GATEWAY_MAX_RETRIES: "0", LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "100" },
      configYaml,
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

  it("/v1/chat/completions: 429 in OpenAI's envelope with the smallest retry-after, streamed or not", async () => {
    for (const stream of [false, true]) {
      rateLimitBoth();
      const response = await post(harness, "/v1/chat/completions", { model: "limited", messages, stream });
      expect(response.status).toBe(429);
      expect(response.headers.get("retry-after")).toBe("3");
      const { error } = (await response.json()) as { error: { code: string; type: string; message: string } };
      expect(error).toMatchObject({ code: "GW_ERR_UPSTREAM_RATE_LIMITED", type: "rate_limit_error" });
      expect(error.message).toContain("anthropic/claude-sonnet-4: failed (anthropic answered 429");
      expect(error.message).toContain("openai/gpt-4.1: failed (openai answered 429");
    }
  });

  it("/v1/messages: 429 rate_limit_error in Anthropic's envelope", async () => {
    rateLimitBoth();
    const response = await post(harness, "/v1/messages", { model: "limited", max_tokens: 50, messages });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("3");
    expect(await response.json()).toMatchObject({
      type: "error",
      error: { type: "rate_limit_error", message: expect.stringMatching(/^GW_ERR_UPSTREAM_RATE_LIMITED: /) },
    });
  });

  it("/v1/responses: 429 in OpenAI's envelope", async () => {
    rateLimitBoth(openAiResponsesPath);
    const response = await post(harness, "/v1/responses", { model: "limited", input: "Say hello" });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("3");
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      "GW_ERR_UPSTREAM_RATE_LIMITED",
    );
  });

  it("MCP chat_completion: a tool error that says rate limited and when to retry", async () => {
    rateLimitBoth();
    const { isError, text } = await callTool<ChatResult>(client, "chat_completion", {
      project_id: "proj-limited",
      agent_id: "agent-1",
      model_group: "limited",
      messages,
    });
    expect(isError).toBe(true);
    expect(text).toMatch(/^GW_ERR_UPSTREAM_RATE_LIMITED: Every provider rate-limited this request\./);
    expect(text).toContain("Retry in 3 s");
  });

  it("one 429 and one 500 is still a 502: the chain did not only rate-limit", async () => {
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.error(429, "rate limited", { retryAfterSeconds: 7 }));
    openai.enqueueChat(openai.replies.error(500, "boom"));
    const response = await post(harness, "/v1/chat/completions", { model: "limited", messages });
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      "GW_ERR_ALL_PROVIDERS_FAILED",
    );
  });
});

describe("a failure that opens the deployment's circuit", () => {
  let harness: Harness;
  beforeAll(async () => {
    // One failure opens a circuit; the default single retry would wait out the provider's retry-after.
    harness = await startHarness({ env: { LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "1" }, configYaml });
  });
  afterAll(async () => harness.close());

  it("drops the pending retry on that deployment and fails over at once", async () => {
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded", { retryAfterSeconds: 2 }));
    openai.enqueueChat(openai.replies.text("Hello from the fallback"));
    const started = performance.now();
    const response = await post(harness, "/v1/chat/completions", { model: "limited", messages });
    const elapsedMs = performance.now() - started;
    expect(response.status).toBe(200);
    expect(response.headers.get("x-llm-gateway-attempts")).toBe("2");
    expect(anthropic.chatCalls()).toHaveLength(1);
    // Before: a 2 s wait for a retry that then found the circuit open.
    expect(elapsedMs).toBeLessThan(1_000);
  });
});
