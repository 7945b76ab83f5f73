import { randomUUID } from "node:crypto";
import Anthropic from "@anthropic-ai/sdk";
import type { Client } from "@modelcontextprotocol/client";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { describeWithRedis, noRedisServer, sharedRedisUrl } from "../../src/usage/shared-test-redis.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";

const engines = [
  { name: "sqlite", env: (): Record<string, string> => ({}) },
  {
    name: "redis",
    env: (): Record<string, string> => ({
      LLM_GATEWAY_REDIS_URL: sharedRedisUrl,
      LLM_GATEWAY_REDIS_KEY_PREFIX: `cache-test-${randomUUID()}:`,
    }),
  },
].filter((engine) => engine.name === "sqlite" || !noRedisServer);

interface UsageTotals {
  requests: number;
  input_tokens: number;
  cost_usd: number;
  cache_hits: number;
  saved_usd: number;
}

describe.each(engines)("the response cache on $name", (engine) => {
  let harness: Harness;
  let mcp: Client;
  const openAiFor = (project: string) =>
    new OpenAI({
      apiKey: "unused-without-client-keys",
      baseURL: `${harness.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { "x-project-id": project, "x-agent-id": "agent-1" },
    });
  const anthropicFor = (project: string) =>
    new Anthropic({
      apiKey: "unused-without-client-keys",
      baseURL: harness.url,
      maxRetries: 0,
      defaultHeaders: { "x-project-id": project, "x-agent-id": "agent-1" },
    });
  const usageOf = async (project: string) =>
    (await (await fetch(`${harness.url}/v1/usage?project_id=${project}&period=all`)).json()) as UsageTotals;
  /** A prompt no other test asks, so entries never leak between tests. */
  const prompt = () => `What is ${randomUUID()}?`;
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${harness.url}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-project-id": "proj-a",
        "x-agent-id": "agent-1",
        ...headers,
      },
      body,
    });

  beforeAll(async () => {
    harness = await startHarness({
      env: { LLM_GATEWAY_MAX_RETRIES: "0", ...engine.env() },
      configYaml: [
        "cache:",
        "  projects:",
        "    proj-tools: { cache_tool_calls: true }",
        "    proj-any: { cache_nondeterministic: true, ttl_seconds: 1 }",
        "    proj-off: { enabled: false }",
      ].join("\n"),
    });
    mcp = await connectMcp(harness.url);
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => {
    await mcp.close();
    await harness.close();
  });

  it("answers a repeated deterministic request from the cache: no provider call, $0, the saving booked", async () => {
    const { openai } = harness.fakes;
    const client = openAiFor("proj-hits");
    openai.enqueueChat(openai.replies.text("Forty-two.", { inputTokens: 100, outputTokens: 20 }));
    const request = {
      model: "gpt-4.1-mini",
      messages: [{ role: "user" as const, content: prompt() }],
      temperature: 0,
    };
    const first = await client.chat.completions.create(request).withResponse();
    expect(first.response.headers.get("x-llm-gateway-cache")).toBe("miss");
    const second = await client.chat.completions.create(request).withResponse();
    expect(second.response.headers.get("x-llm-gateway-cache")).toBe("hit");
    expect(second.response.headers.get("x-llm-gateway-cost-usd")).toBe("0");
    expect(second.response.headers.get("x-llm-gateway-attempts")).toBe("0");
    expect(second.data.choices[0]?.message.content).toBe("Forty-two.");
    expect(second.data.usage).toMatchObject({ prompt_tokens: 100, completion_tokens: 20 });
    expect(second.data.id).not.toBe(first.data.id);
    expect(openai.chatCalls()).toHaveLength(1);
    const usage = await usageOf("proj-hits");
    const firstCost = Number(first.response.headers.get("x-llm-gateway-cost-usd"));
    expect(firstCost).toBeGreaterThan(0);
    expect(usage).toMatchObject({ requests: 2, cache_hits: 1, input_tokens: 100 });
    expect(usage.cost_usd).toBeCloseTo(firstCost, 9);
    expect(usage.saved_usd).toBeCloseTo(firstCost, 9);
    const logged = harness.logs.find((line) => line.project === "proj-hits" && line.cache === "hit");
    expect(logged).toMatchObject({ msg: "request finished", provider: "openai", costUsd: 0, inputTokens: 0 });
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    expect(metrics).toMatch(
      /llm_gateway_requests_total\{[^}]*provider="cache",model="gpt-4.1-mini"[^}]*\} 1/,
    );
  });

  it("keys on the request's meaning: JSON key order and whitespace do not matter, any parameter does", async () => {
    const content = prompt();
    const one = `{"model":"gpt-4.1-mini","temperature":0,"messages":[{"role":"user","content":${JSON.stringify(content)}}]}`;
    const reordered = `{ "messages" : [ { "content" : ${JSON.stringify(content)} , "role" : "user" } ],\n "temperature": 0, "model": "gpt-4.1-mini" }`;
    expect((await post("/v1/chat/completions", one)).headers.get("x-llm-gateway-cache")).toBe("miss");
    expect((await post("/v1/chat/completions", reordered)).headers.get("x-llm-gateway-cache")).toBe("hit");
    const otherMaxTokens = `{"model":"gpt-4.1-mini","temperature":0,"max_tokens":5,"messages":[{"role":"user","content":${JSON.stringify(content)}}]}`;
    expect((await post("/v1/chat/completions", otherMaxTokens)).headers.get("x-llm-gateway-cache")).toBe(
      "miss",
    );
    const otherModel = `{"model":"gpt-4.1","temperature":0,"messages":[{"role":"user","content":${JSON.stringify(content)}}]}`;
    expect((await post("/v1/chat/completions", otherModel)).headers.get("x-llm-gateway-cache")).toBe("miss");
    expect(harness.fakes.openai.chatCalls()).toHaveLength(3);
  });

  it("replays a hit as an OpenAI stream the SDK parses, usage chunk included", async () => {
    const { openai } = harness.fakes;
    const client = openAiFor("proj-a");
    openai.enqueueChat(openai.replies.text("Streamed from the cache.", { inputTokens: 9, outputTokens: 5 }));
    const request = {
      model: "gpt-4.1-mini",
      messages: [{ role: "user" as const, content: prompt() }],
      temperature: 0,
    };
    await client.chat.completions.create(request);
    const { data: stream, response } = await client.chat.completions
      .create({ ...request, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    expect(response.headers.get("x-llm-gateway-cache")).toBe("hit");
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined | null;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("Streamed from the cache.");
    expect(finish).toBe("stop");
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 5, cost_usd: 0 });
    expect(openai.chatCalls()).toHaveLength(1);
    // A streamed miss says so in its headers too, and keeps what it streamed.
    const fresh = {
      ...request,
      messages: [{ role: "user" as const, content: prompt() }],
      stream: true as const,
    };
    const texts: string[] = [];
    for (const expected of ["miss", "hit"]) {
      const streamed = await client.chat.completions.create(fresh).withResponse();
      expect(streamed.response.headers.get("x-llm-gateway-cache")).toBe(expected);
      let streamedText = "";
      for await (const chunk of streamed.data) streamedText += chunk.choices[0]?.delta.content ?? "";
      texts.push(streamedText);
    }
    expect(texts[1]).toBe(texts[0]);
    expect(texts[0]?.length).toBeGreaterThan(0);
    expect(openai.chatCalls()).toHaveLength(2);
  });

  it("caches tool-calling requests only for a project that opted in, and replays the tool call", async () => {
    const { openai } = harness.fakes;
    const tools = [
      {
        type: "function" as const,
        function: { name: "get_weather", parameters: { type: "object", properties: {} } },
      },
    ];
    const request = {
      model: "gpt-4.1-mini",
      messages: [{ role: "user" as const, content: prompt() }],
      temperature: 0,
      tools,
    };
    openai.enqueueChat(
      openai.replies.toolCall("get_weather", "{}"),
      openai.replies.toolCall("get_weather", "{}"),
    );
    const plain = openAiFor("proj-a");
    await plain.chat.completions.create(request);
    const again = await plain.chat.completions.create(request).withResponse();
    expect(again.response.headers.get("x-llm-gateway-cache")).toBeNull();
    expect(openai.chatCalls()).toHaveLength(2);
    openai.enqueueChat(openai.replies.toolCall("get_weather", '{"city":"Paris"}'));
    const optedIn = openAiFor("proj-tools");
    await optedIn.chat.completions.create(request);
    const hit = await optedIn.chat.completions.create(request).withResponse();
    expect(hit.response.headers.get("x-llm-gateway-cache")).toBe("hit");
    expect(hit.data.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      function: { name: "get_weather", arguments: '{"city":"Paris"}' },
    });
    expect(hit.data.choices[0]?.finish_reason).toBe("tool_calls");
    expect(openai.chatCalls()).toHaveLength(3);
  });

  it("does not cache a non-deterministic request unless the project opted in; then its TTL holds", async () => {
    const { openai } = harness.fakes;
    const request = { model: "gpt-4.1-mini", messages: [{ role: "user" as const, content: prompt() }] };
    const plain = openAiFor("proj-a");
    await plain.chat.completions.create(request);
    const again = await plain.chat.completions.create({ ...request, temperature: 0.7 }).withResponse();
    expect(again.response.headers.get("x-llm-gateway-cache")).toBeNull();
    expect(openai.chatCalls()).toHaveLength(2);
    const optedIn = openAiFor("proj-any");
    await optedIn.chat.completions.create(request);
    expect(
      (await optedIn.chat.completions.create(request).withResponse()).response.headers.get(
        "x-llm-gateway-cache",
      ),
    ).toBe("hit");
    // proj-any's entries live 1 s.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(
      (await optedIn.chat.completions.create(request).withResponse()).response.headers.get(
        "x-llm-gateway-cache",
      ),
    ).toBe("miss");
    expect(openai.chatCalls()).toHaveLength(4);
    const off = openAiFor("proj-off");
    const deterministic = { ...request, temperature: 0 };
    await off.chat.completions.create(deterministic);
    expect(
      (await off.chat.completions.create(deterministic).withResponse()).response.headers.get(
        "x-llm-gateway-cache",
      ),
    ).toBeNull();
    expect(openai.chatCalls()).toHaveLength(6);
  });

  it("never answers one project from another's entries", async () => {
    const { openai } = harness.fakes;
    const request = {
      model: "gpt-4.1-mini",
      messages: [{ role: "user" as const, content: prompt() }],
      temperature: 0,
    };
    openai.enqueueChat(openai.replies.text("for A"), openai.replies.text("for B"));
    await openAiFor("proj-a").chat.completions.create(request);
    const other = await openAiFor("proj-b").chat.completions.create(request).withResponse();
    expect(other.response.headers.get("x-llm-gateway-cache")).toBe("miss");
    expect(other.data.choices[0]?.message.content).toBe("for B");
    expect(openai.chatCalls()).toHaveLength(2);
  });

  it("honours Cache-Control: no-cache (ask, then keep), no-store (neither), max-age", async () => {
    const { openai } = harness.fakes;
    const content = prompt();
    const body = JSON.stringify({
      model: "gpt-4.1-mini",
      temperature: 0,
      messages: [{ role: "user", content }],
    });
    openai.enqueueChat(
      openai.replies.text("v1"),
      openai.replies.text("v2"),
      openai.replies.text("v3"),
      openai.replies.text("v4"),
    );
    const answer = async (headers: Record<string, string> = {}) => {
      const response = await post("/v1/chat/completions", body, headers);
      const json = (await response.json()) as { choices: Array<{ message: { content: string } }> };
      return {
        cache: response.headers.get("x-llm-gateway-cache"),
        content: json.choices[0]?.message.content,
      };
    };
    expect(await answer()).toEqual({ cache: "miss", content: "v1" });
    expect(await answer({ "cache-control": "no-cache" })).toEqual({ cache: "miss", content: "v2" });
    expect(await answer()).toEqual({ cache: "hit", content: "v2" });
    expect(await answer({ "cache-control": "no-store" })).toEqual({ cache: null, content: "v3" });
    expect(await answer()).toEqual({ cache: "hit", content: "v2" });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await answer({ "cache-control": "max-age=60" })).toEqual({ cache: "hit", content: "v2" });
    expect(await answer({ "cache-control": "max-age=1" })).toEqual({ cache: "miss", content: "v4" });
    expect(openai.chatCalls()).toHaveLength(4);
  });

  it("answers the Messages door from the cache, streamed as Anthropic events the SDK parses", async () => {
    const { anthropic } = harness.fakes;
    const client = anthropicFor("proj-a");
    anthropic.enqueueChat(
      anthropic.replies.text("Bonjour from the cache", { inputTokens: 11, outputTokens: 4 }),
    );
    const params = {
      model: "claude-sonnet-4",
      max_tokens: 100,
      temperature: 0,
      messages: [{ role: "user" as const, content: prompt() }],
    };
    const first = await client.messages.create(params).withResponse();
    expect(first.response.headers.get("x-llm-gateway-cache")).toBe("miss");
    const second = await client.messages.create(params).withResponse();
    expect(second.response.headers.get("x-llm-gateway-cache")).toBe("hit");
    expect(second.data.content).toMatchObject([{ type: "text", text: "Bonjour from the cache" }]);
    expect(second.data.usage).toMatchObject({ input_tokens: 11, output_tokens: 4 });
    const stream = client.messages.stream(params);
    const message = await stream.finalMessage();
    expect(message.content).toMatchObject([{ type: "text", text: "Bonjour from the cache" }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(anthropic.chatCalls()).toHaveLength(1);
  });

  it("answers the Responses door from the cache (store: false), streamed as Responses events the SDK parses", async () => {
    const { anthropic } = harness.fakes;
    const client = openAiFor("proj-a");
    anthropic.enqueueChat(
      anthropic.replies.text("From the Responses cache"),
      anthropic.replies.text("stored one"),
    );
    const params = { model: "claude-sonnet-4", input: prompt(), temperature: 0, store: false };
    const first = await client.responses.create(params).withResponse();
    expect(first.response.headers.get("x-llm-gateway-cache")).toBe("miss");
    const second = await client.responses.create(params).withResponse();
    expect(second.response.headers.get("x-llm-gateway-cache")).toBe("hit");
    expect(second.data.output_text).toBe("From the Responses cache");
    const stream = client.responses.stream(params);
    const final = await stream.finalResponse();
    expect(final.output_text).toBe("From the Responses cache");
    expect(final.status).toBe("completed");
    expect(anthropic.chatCalls()).toHaveLength(1);
    // A response the provider is asked to store is not replayed: its id would not exist there.
    const stored = { ...params, input: prompt(), store: true };
    await client.responses.create(stored);
    expect(
      (await client.responses.create(stored).withResponse()).response.headers.get("x-llm-gateway-cache"),
    ).toBeNull();
  });

  it("tells MCP callers of a hit in the structured result, and honours the cache argument", async () => {
    const { openai } = harness.fakes;
    const args = {
      project_id: "proj-mcp",
      agent_id: "agent-1",
      model: "gpt-4.1-mini",
      temperature: 0,
      messages: [{ role: "user", content: prompt() }],
    };
    openai.enqueueChat(openai.replies.text("MCP answer"), openai.replies.text("fresh"));
    const first = await callTool<Record<string, unknown>>(mcp, "chat_completion", args);
    expect(first.structured).toMatchObject({ content: "MCP answer", cache: "miss" });
    const second = await callTool<Record<string, unknown>>(mcp, "chat_completion", args);
    expect(second.structured).toMatchObject({ content: "MCP answer", cache: "hit", cost_usd: 0 });
    expect(second.structured).not.toHaveProperty("attempts");
    expect(second.text).toContain("from the response cache");
    const bypass = await callTool<Record<string, unknown>>(mcp, "chat_completion", {
      ...args,
      cache: "no-store",
    });
    expect(bypass.structured).toMatchObject({ content: "fresh" });
    expect(bypass.structured).not.toHaveProperty("cache");
    expect(openai.chatCalls()).toHaveLength(2);
    // The same request through /v1 and through MCP is one entry.
    const shared = { ...args, messages: [{ role: "user", content: prompt() }] };
    await openAiFor("proj-mcp").chat.completions.create({
      model: "gpt-4.1-mini",
      temperature: 0,
      messages: shared.messages as OpenAI.ChatCompletionMessageParam[],
    });
    const acrossDoors = await callTool<Record<string, unknown>>(mcp, "chat_completion", shared);
    expect(acrossDoors.structured).toMatchObject({ cache: "hit" });
    expect(openai.chatCalls()).toHaveLength(3);
    const usage = await callTool<UsageTotals>(mcp, "get_usage", {
      project_id: "proj-mcp",
      agent_id: "agent-1",
      period: "all",
    });
    expect(usage.structured).toMatchObject({ requests: 5, cache_hits: 2 });
    expect(usage.structured.saved_usd).toBeGreaterThan(0);
  });
});

describe("a response cache shared across projects (configured)", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ configYaml: "cache:\n  shared_across_projects: true\n" });
  });
  afterAll(async () => harness.close());

  it("answers project B from project A's entry", async () => {
    const body = JSON.stringify({
      model: "gpt-4.1-mini",
      temperature: 0,
      messages: [{ role: "user", content: "shared" }],
    });
    const ask = (project: string) =>
      fetch(`${harness.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-project-id": project, "x-agent-id": "a" },
        body,
      });
    expect((await ask("proj-a")).headers.get("x-llm-gateway-cache")).toBe("miss");
    expect((await ask("proj-b")).headers.get("x-llm-gateway-cache")).toBe("hit");
    expect(harness.fakes.openai.chatCalls()).toHaveLength(1);
  });
});

describe("budgets and a hit", () => {
  let harness: Harness;
  beforeAll(async () => {
    // proj-broke's budget refuses any hold; the shared cache lets proj-rich fill an entry it can use.
    harness = await startHarness({
      configYaml: [
        "cache: { shared_across_projects: true }",
        "budgets:",
        "  projects:",
        "    proj-broke: { daily_usd: 0.000001 }",
      ].join("\n"),
    });
  });
  afterAll(async () => harness.close());

  it("answers a hit though the budget would refuse a provider call: a hit spends and holds nothing", async () => {
    const ask = (project: string, content: string) =>
      fetch(`${harness.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-project-id": project, "x-agent-id": "a" },
        body: JSON.stringify({
          model: "gpt-4.1-mini",
          temperature: 0,
          max_tokens: 100,
          messages: [{ role: "user", content }],
        }),
      });
    const refused = await ask("proj-broke", "not cached yet");
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("GW_ERR_BUDGET_EXCEEDED");
    expect((await ask("proj-rich", "cached by another project")).status).toBe(200);
    const hit = await ask("proj-broke", "cached by another project");
    expect(hit.status).toBe(200);
    expect(hit.headers.get("x-llm-gateway-cache")).toBe("hit");
    expect(harness.fakes.openai.chatCalls()).toHaveLength(1);
  });
});

describe("rate limits and a hit", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ configYaml: "rate_limits:\n  default_project_rpm: 2\n" });
  });
  afterAll(async () => harness.close());

  it("counts a hit as a request against the rate limit", async () => {
    const body = JSON.stringify({
      model: "gpt-4.1-mini",
      temperature: 0,
      messages: [{ role: "user", content: "limited" }],
    });
    const ask = () =>
      fetch(`${harness.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-project-id": "proj-rl", "x-agent-id": "a" },
        body,
      });
    expect((await ask()).status).toBe(200);
    const hit = await ask();
    expect(hit.status).toBe(200);
    expect(hit.headers.get("x-llm-gateway-cache")).toBe("hit");
    expect((await ask()).status).toBe(429);
    expect(harness.fakes.openai.chatCalls()).toHaveLength(1);
  });
});

describeWithRedis("a response cache in Redis, shared by replicas", () => {
  it("answers on one gateway what another asked for", async () => {
    const env = {
      LLM_GATEWAY_REDIS_URL: sharedRedisUrl,
      LLM_GATEWAY_REDIS_KEY_PREFIX: `replicas-${randomUUID()}:`,
    };
    const [first, second] = await Promise.all([startHarness({ env }), startHarness({ env })]);
    try {
      const body = JSON.stringify({
        model: "gpt-4.1-mini",
        temperature: 0,
        messages: [{ role: "user", content: "replicated" }],
      });
      const ask = (harness: Harness) =>
        fetch(`${harness.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-project-id": "proj-a", "x-agent-id": "a" },
          body,
        });
      expect((await ask(first)).headers.get("x-llm-gateway-cache")).toBe("miss");
      expect((await ask(second)).headers.get("x-llm-gateway-cache")).toBe("hit");
      expect(first.fakes.openai.chatCalls()).toHaveLength(1);
      expect(second.fakes.openai.chatCalls()).toHaveLength(0);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});

describeWithRedis("a response cache whose engine fails", () => {
  it("fails open when Redis is unreachable: every request goes to the provider, and it is logged", async () => {
    const { startRedisTestServer } = await import("../../src/usage/redis-test-server.js");
    const redis = await startRedisTestServer();
    const harness = await startHarness({
      env: { LLM_GATEWAY_REDIS_URL: redis.url, LLM_GATEWAY_REDIS_KEY_PREFIX: "cache-outage:" },
    });
    try {
      await redis.kill();
      const body = JSON.stringify({
        model: "gpt-4.1-mini",
        temperature: 0,
        messages: [{ role: "user", content: "down" }],
      });
      for (let index = 0; index < 2; index++) {
        const response = await fetch(`${harness.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-project-id": "proj-a", "x-agent-id": "a" },
          body,
        });
        expect(response.status).toBe(200);
        expect(response.headers.get("x-llm-gateway-cache")).toBe("miss");
      }
      expect(harness.fakes.openai.chatCalls()).toHaveLength(2);
      expect(harness.logs.some((line) => String(line.msg).startsWith("response cache read failed"))).toBe(
        true,
      );
    } finally {
      await harness.close();
      await redis.stop();
    }
  });
});

describe("a response cache whose SQLite file cannot be opened", () => {
  it("serves without a cache, and says so in the log", async () => {
    const { mkdirSync, mkdtempSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dataDir = mkdtempSync(join(tmpdir(), "cache-broken-"));
    // A directory where the file should be: SQLite cannot open it.
    mkdirSync(join(dataDir, "response-cache.sqlite"));
    const harness = await startHarness({ env: { LLM_GATEWAY_DATA_DIR: dataDir } });
    try {
      const body = JSON.stringify({
        model: "gpt-4.1-mini",
        temperature: 0,
        messages: [{ role: "user", content: "x" }],
      });
      for (let index = 0; index < 2; index++) {
        const response = await fetch(`${harness.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-project-id": "proj-a", "x-agent-id": "a" },
          body,
        });
        expect(response.status).toBe(200);
      }
      expect(harness.fakes.openai.chatCalls()).toHaveLength(2);
      expect(harness.logs.some((line) => String(line.msg).includes("cannot open its SQLite file"))).toBe(
        true,
      );
    } finally {
      await harness.close();
    }
  });
});
