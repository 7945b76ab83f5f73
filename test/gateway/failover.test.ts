import type { Client } from "@modelcontextprotocol/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ChatResult } from "../../src/gateway/chat-types.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";

const hello = {
  project_id: "proj-failover",
  agent_id: "agent-1",
  model_group: "reasoning",
  messages: [{ role: "user", content: "Say hello" }],
};

/** reasoning = anthropic (claude-opus-4-5) -> openai (gpt-4.1) -> google (gemini-2.5-pro) */
const shortTimeouts =
  "providers:\n" +
  "  anthropic: { first_byte_timeout_ms: 300, answer_timeout_ms: 300 }\n" +
  "  openai: { answer_timeout_ms: 300 }\n";

/** A Messages request to the `reasoning` group, not streamed: its Anthropic deployment takes it natively. */
function oneAnswerMessages(baseUrl: string): Promise<Response> {
  return fetch(new URL("/v1/messages", baseUrl), {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "reasoning", max_tokens: 1024, messages: hello.messages }),
  });
}

/**
 * A request with `logprobs` to the `reasoning` group, not streamed: Anthropic cannot give logprobs and is
 * skipped, and OpenAI gets one of the calls a stream cannot carry whole, so it waits for the whole answer.
 */
function wholeAnswerChat(baseUrl: string, maxTokens = 1024): Promise<Response> {
  return fetch(new URL("/v1/chat/completions", baseUrl), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model: "reasoning",
      logprobs: true,
      max_tokens: maxTokens,
      messages: hello.messages,
    }),
  });
}

/** A streamed request to the `reasoning` group through /v1 (the MCP tool streams only with a progress token). */
function streamedChat(baseUrl: string): Promise<Response> {
  return fetch(new URL("/v1/chat/completions", baseUrl), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "reasoning", stream: true, messages: hello.messages }),
  });
}

describe("failover through the MCP door", () => {
  describe("with retries off", () => {
    let harness: Harness;
    let client: Client;
    beforeAll(async () => {
      harness = await startHarness({ env: { LLM_GATEWAY_MAX_RETRIES: "0" } });
      client = await connectMcp(harness.url);
    });
    afterEach(() => {
      for (const fake of Object.values(harness.fakes)) fake.server.reset();
    });
    afterAll(async () => {
      await client.close();
      await harness.close();
    });

    it("primary 529 -> the secondary answers", async () => {
      const { anthropic, openai } = harness.fakes;
      anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
      openai.enqueueChat(
        openai.replies.text("Hello from the fallback", { inputTokens: 12, outputTokens: 5 }),
      );
      const { isError, structured } = await callTool<ChatResult>(client, "chat_completion", hello);
      expect(isError).toBe(false);
      expect(structured).toMatchObject({
        model: "gpt-4.1",
        provider: "openai",
        content: "Hello from the fallback",
        finish_reason: "stop",
        usage: { input_tokens: 12, output_tokens: 5, total_tokens: 17 },
      });
      expect(structured.attempts.map((a) => `${a.provider}:${a.outcome}`)).toEqual([
        "anthropic:failed",
        "openai:success",
      ]);
      expect(structured.attempts[0]?.error).toContain("529");
      // 12 x $2 + 5 x $8 per million tokens
      expect(structured.cost_usd).toBe(0.000064);
    });

    it("400 context too long -> returned at once, nobody else called", async () => {
      const { anthropic, openai, google } = harness.fakes;
      anthropic.enqueueChat(
        anthropic.replies.error(400, "prompt is too long: 210000 tokens > 200000 maximum"),
      );
      const { isError, text } = await callTool(client, "chat_completion", hello);
      expect(isError).toBe(true);
      expect(text).toContain("GW_ERR_UPSTREAM_REJECTED_REQUEST");
      expect(text).toContain("prompt is too long");
      expect(anthropic.chatCalls()).toHaveLength(1);
      expect(openai.chatCalls()).toHaveLength(0);
      expect(google.chatCalls()).toHaveLength(0);
    });

    it("401 on the primary -> next, logged loudly as a misconfiguration", async () => {
      const { anthropic, openai } = harness.fakes;
      anthropic.enqueueChat(anthropic.replies.error(401, "invalid x-api-key"));
      const { structured } = await callTool<ChatResult>(client, "chat_completion", hello);
      expect(structured.provider).toBe("openai");
      expect(openai.chatCalls()).toHaveLength(1);
      const loud = harness.logs.find(
        (line) =>
          line.level === 50 && String(line.msg).includes("anthropic/claude-opus-4-5 looks misconfigured"),
      );
      expect(loud).toBeDefined();
    });

    it("all three down -> one clear error listing the three attempts", async () => {
      const { anthropic, openai, google } = harness.fakes;
      anthropic.enqueueChat(anthropic.replies.error(500, "internal error"));
      openai.enqueueChat(openai.replies.error(503, "The server is overloaded"));
      google.enqueueChat(google.replies.error(500, "Internal error encountered."));
      const { isError, text } = await callTool(client, "chat_completion", hello);
      expect(isError).toBe(true);
      expect(text).toMatch(/^GW_ERR_ALL_PROVIDERS_FAILED: Every provider failed\./);
      expect(text).toContain("1. anthropic/claude-opus-4-5: failed (anthropic answered 500");
      expect(text).toContain("2. openai/gpt-4.1: failed (openai answered 503");
      expect(text).toContain("3. google/gemini-2.5-pro: failed (google answered 500");
    });

    it("a garbage 200 body and a reset connection both fail over", async () => {
      const { anthropic, openai } = harness.fakes;
      anthropic.enqueueChat({ type: "raw", status: 200, body: "<html>oops</html>" });
      const garbage = await callTool<ChatResult>(client, "chat_completion", hello);
      expect(garbage.structured.provider).toBe("openai");
      anthropic.enqueueChat({ type: "reset" });
      const reset = await callTool<ChatResult>(client, "chat_completion", hello);
      expect(reset.structured.provider).toBe("openai");
      expect(openai.chatCalls()).toHaveLength(2);
    });

    it("an unknown group and a group without keys are clear errors", async () => {
      const unknown = await callTool(client, "chat_completion", { ...hello, model_group: "poetry" });
      expect(unknown.isError).toBe(true);
      expect(unknown.text).toContain('Unknown model group "poetry"');
      const concrete = await callTool<ChatResult>(client, "chat_completion", {
        ...hello,
        model_group: undefined,
        model: "gpt-4.1-mini",
      });
      expect(concrete.structured).toMatchObject({ model: "gpt-4.1-mini", provider: "openai" });
    });

    it("a concrete model does not fail over unless fallbacks are given", async () => {
      const { anthropic, openai } = harness.fakes;
      anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
      const alone = await callTool(client, "chat_completion", {
        ...hello,
        model_group: undefined,
        model: "claude-haiku",
      });
      expect(alone.isError).toBe(true);
      expect(openai.chatCalls()).toHaveLength(0);
      anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
      const withFallback = await callTool<ChatResult>(client, "chat_completion", {
        ...hello,
        model_group: undefined,
        model: "claude-haiku",
        fallbacks: ["gpt-4.1-mini"],
      });
      expect(withFallback.structured).toMatchObject({ model: "gpt-4.1-mini", provider: "openai" });
    });
  });

  describe("with the default retry (1) and a short first-byte timeout", () => {
    let harness: Harness;
    let client: Client;
    beforeAll(async () => {
      harness = await startHarness({ configYaml: shortTimeouts });
      client = await connectMcp(harness.url);
    });
    afterAll(async () => {
      await client.close();
      await harness.close();
    });

    it("429 with retry-after 1 -> waits, retries the same model, is served", async () => {
      const { anthropic, openai } = harness.fakes;
      anthropic.enqueueChat(anthropic.replies.error(429, "rate limited", { retryAfterSeconds: 1 }));
      const started = Date.now();
      const { structured } = await callTool<ChatResult>(client, "chat_completion", hello);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(structured.provider).toBe("anthropic");
      expect(structured.attempts.map((a) => a.outcome)).toEqual(["failed", "success"]);
      const calls = anthropic.chatCalls();
      expect(calls).toHaveLength(2);
      expect((calls[1]?.receivedAt ?? 0) - (calls[0]?.receivedAt ?? 0)).toBeGreaterThanOrEqual(990);
      expect(openai.chatCalls()).toHaveLength(0);
    });

    it("a non-streamed timeout -> the next model at once: a retry would take as long again", async () => {
      const { anthropic, openai, google } = harness.fakes;
      anthropic.server.reset();
      openai.server.reset();
      google.server.reset();
      openai.enqueueChat({ type: "hang" }, { type: "hang" });
      const response = await wholeAnswerChat(harness.url);
      expect(response.status).toBe(200);
      expect(response.headers.get("x-llm-gateway-provider")).toBe("google");
      expect(anthropic.chatCalls()).toHaveLength(0);
      expect(openai.chatCalls()).toHaveLength(1);
      expect(openai.chatCalls()[0]?.body).not.toHaveProperty("stream", true);
    });

    it("a one-answer native Messages request streams from Anthropic too: a hung primary is a first-byte timeout, failed over at once", async () => {
      const { anthropic, openai } = harness.fakes;
      anthropic.server.reset();
      openai.server.reset();
      anthropic.enqueueChat({ type: "hang" }, { type: "hang" });
      const response = await oneAnswerMessages(harness.url);
      expect(response.status).toBe(200);
      expect(response.headers.get("x-llm-gateway-provider")).toBe("openai");
      expect(response.headers.get("x-llm-gateway-attempts")).toBe("2");
      expect(anthropic.chatCalls()).toHaveLength(1);
      expect(anthropic.chatCalls()[0]?.body).toMatchObject({ stream: true });
    });

    it("a one-answer MCP call streams from the provider: a hung primary is a first-byte timeout, failed over at once", async () => {
      const { anthropic, openai } = harness.fakes;
      anthropic.server.reset();
      openai.server.reset();
      anthropic.enqueueChat({ type: "hang" }, { type: "hang" });
      const { structured } = await callTool<ChatResult>(client, "chat_completion", hello);
      expect(structured.provider).toBe("openai");
      expect(structured.attempts.map((a) => `${a.provider}:${a.outcome}`)).toEqual([
        "anthropic:failed",
        "openai:success",
      ]);
      expect(structured.attempts[0]?.error).toMatch(/did not answer in time/);
      expect(anthropic.chatCalls()).toHaveLength(1);
      expect(anthropic.chatCalls()[0]?.body).toMatchObject({ stream: true });
    });

    it("a streamed first-byte timeout -> the next model at once: a hung provider is not waited out twice", async () => {
      const { anthropic, openai } = harness.fakes;
      anthropic.server.reset();
      openai.server.reset();
      anthropic.enqueueChat({ type: "hang" }, { type: "hang" });
      openai.enqueueChat(openai.replies.stream(["Hello"]));
      const response = await streamedChat(harness.url);
      expect(response.headers.get("x-llm-gateway-provider")).toBe("openai");
      expect(response.headers.get("x-llm-gateway-attempts")).toBe("2");
      expect(await response.text()).toContain("Hello");
      expect(anthropic.chatCalls()).toHaveLength(1);
    });

    it("a retry-after beyond the cap fails over at once instead of waiting", async () => {
      const { anthropic } = harness.fakes;
      anthropic.server.reset();
      anthropic.enqueueChat(anthropic.replies.error(429, "slow down", { retryAfterSeconds: 60 }));
      const started = Date.now();
      const { structured } = await callTool<ChatResult>(client, "chat_completion", hello);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(structured.provider).toBe("openai");
      expect(anthropic.chatCalls()).toHaveLength(1);
    });
  });

  describe("timeouts a request explains do not open a circuit for every tenant", () => {
    let harness: Harness;
    let client: Client;
    beforeAll(async () => {
      harness = await startHarness({
        configYaml: shortTimeouts,
        env: { LLM_GATEWAY_MAX_RETRIES: "0", LLM_GATEWAY_REQUEST_TIMEOUT_SECONDS: "1" },
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

    /** The circuit of the group's first deployment (Anthropic), or of another by its place. */
    const primaryCircuit = async (place = 0) => {
      const models = await callTool<{ groups: Array<{ models: Array<{ circuit: string }> }> }>(
        client,
        "list_models",
        {
          project_id: "p",
          agent_id: "a",
          model_group: "reasoning",
        },
      );
      return models.structured.groups[0]?.models[place]?.circuit;
    };

    it("six long non-streamed generations timing out leave the deployment's circuit closed", async () => {
      const { openai } = harness.fakes;
      for (let i = 0; i < 6; i++) openai.enqueueChat({ type: "hang" });
      for (let i = 0; i < 6; i++) {
        const response = await wholeAnswerChat(harness.url, 32_000);
        expect(response.headers.get("x-llm-gateway-provider")).toBe("google");
        await response.text();
      }
      expect(openai.chatCalls()).toHaveLength(6);
      expect(await primaryCircuit(1)).toBe("closed");
    });

    it("six requests whose own deadline passes leave the circuit closed", async () => {
      const { anthropic } = harness.fakes;
      // Streamed headers after 50 ms (well inside the 300 ms first-byte timeout), the first token only after the 1 s deadline.
      for (let i = 0; i < 6; i++) {
        anthropic.enqueueChat(anthropic.replies.stream(["late"], { delayMs: 50, chunkDelayMs: 1_500 }));
      }
      for (let i = 0; i < 6; i++) {
        const response = await streamedChat(harness.url);
        expect(response.status).toBe(504);
        expect(await response.text()).toContain("deadline");
      }
      expect(await primaryCircuit()).toBe("closed");
    });

    it("five streamed first-byte timeouts (the provider is not answering) open it", async () => {
      const { anthropic } = harness.fakes;
      for (let i = 0; i < 5; i++) anthropic.enqueueChat({ type: "hang" });
      for (let i = 0; i < 5; i++) {
        const response = await streamedChat(harness.url);
        expect(response.headers.get("x-llm-gateway-provider")).toBe("openai");
        await response.text();
      }
      expect(await primaryCircuit()).toBe("open");
    });
  });

  describe("circuit breaker", () => {
    let harness: Harness;
    let client: Client;
    beforeAll(async () => {
      harness = await startHarness({
        // Long enough for the "while open" checks on a slow machine, short enough to wait out.
        env: { LLM_GATEWAY_MAX_RETRIES: "0", LLM_GATEWAY_CIRCUIT_COOLDOWN_SECONDS: "2" },
      });
      client = await connectMcp(harness.url);
    });
    afterAll(async () => {
      await client.close();
      await harness.close();
    });

    it("opens after 5 failures, keeps the primary uncalled while open, then lets exactly one trial through", async () => {
      const { anthropic } = harness.fakes;
      for (let i = 0; i < 5; i++) anthropic.enqueueChat(anthropic.replies.error(500, "boom"));
      for (let i = 0; i < 5; i++) {
        expect((await callTool<ChatResult>(client, "chat_completion", hello)).structured.provider).toBe(
          "openai",
        );
      }
      expect(anthropic.chatCalls()).toHaveLength(5);
      const models = await callTool<{ groups: Array<{ models: Array<{ model: string; circuit: string }> }> }>(
        client,
        "list_models",
        { project_id: "p", agent_id: "a", model_group: "reasoning" },
      );
      expect(models.structured.groups[0]?.models[0]).toMatchObject({
        model: "claude-opus-4-5",
        circuit: "open",
      });
      const health = (await (await fetch(new URL("/health", harness.url))).json()) as {
        providers: Record<string, { circuits: Record<string, string> }>;
      };
      expect(health.providers.anthropic?.circuits["claude-opus-4-5"]).toBe("open");

      // While open: the primary is never called, and skipping it costs no time.
      const whileOpen = await Promise.all(
        Array.from({ length: 10 }, () => callTool<ChatResult>(client, "chat_completion", hello)),
      );
      expect(anthropic.chatCalls()).toHaveLength(5);
      for (const { structured } of whileOpen) {
        expect(structured.attempts[0]).toMatchObject({
          provider: "anthropic",
          outcome: "skipped_circuit_open",
          latency_ms: 0,
        });
      }

      // After the cooldown: 20 concurrent requests, exactly one trial reaches the primary. The trial
      // answers slowly so that all 20 reach the breaker while it is still half-open, even on a slow machine.
      await new Promise((resolve) => setTimeout(resolve, 2_050));
      anthropic.enqueueChat({ ...anthropic.replies.text("trial ok"), delayMs: 1_000 } as ReturnType<
        typeof anthropic.replies.text
      >);
      const afterCooldown = await Promise.all(
        Array.from({ length: 20 }, () => callTool<ChatResult>(client, "chat_completion", hello)),
      );
      expect(anthropic.chatCalls()).toHaveLength(6);
      expect(afterCooldown.filter(({ structured }) => structured.provider === "anthropic")).toHaveLength(1);
      expect(afterCooldown.filter(({ structured }) => structured.provider === "openai")).toHaveLength(19);

      // The trial succeeded: the circuit is closed and the primary serves again.
      const closed = await callTool<ChatResult>(client, "chat_completion", hello);
      expect(closed.structured.provider).toBe("anthropic");
      const transitions = harness.logs
        .filter((line) => String(line.msg).startsWith("circuit anthropic/claude-opus-4-5"))
        .map((line) => `${line.from}->${line.to}`);
      expect(transitions).toEqual(["closed->open", "open->half_open", "half_open->closed"]);
    });
  });
});
