import type { Client } from "@modelcontextprotocol/client";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ChatResult } from "../../src/gateway/chat-types.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";
import { apiKeysEnv, clientKeys, hello, openAiClient, upstreamCalls, usageOf } from "./security-fixtures.js";

const ping = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
const mcpHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream" };

describe("client keys isolate projects on both doors", () => {
  let harness: Harness;
  const clients: Client[] = [];
  const mcpWith = async (key: string) => {
    const client = await connectMcp(harness.url, { headers: { authorization: `Bearer ${key}` } });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    harness = await startHarness({
      providers: ["openai", "voyage"],
      env: { LLM_GATEWAY_API_KEYS: apiKeysEnv, LLM_GATEWAY_MAX_RETRIES: "0" },
    });
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await harness.close();
  });

  const chatArgs = (projectId: string) => ({
    project_id: projectId,
    agent_id: "agent-1",
    model: "gpt-4.1-mini",
    messages: hello,
  });

  describe("MCP over HTTP", () => {
    it("answers 401 without a key and with a wrong one, before any MCP handling", async () => {
      const url = new URL("/mcp", harness.url);
      const missing = await fetch(url, { method: "POST", headers: mcpHeaders, body: ping });
      expect(missing.status).toBe(401);
      expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="llm-gateway"');
      expect(await missing.json()).toMatchObject({ error: { code: -32001 } });
      const wrong = await fetch(url, {
        method: "POST",
        headers: { ...mcpHeaders, authorization: `Bearer ${clientKeys.projectA}x` },
        body: ping,
      });
      expect(wrong.status).toBe(401);
      expect(await wrong.text()).toContain("The client key is not valid.");
      // x-api-key is the other accepted spelling; a wrong one is refused the same way.
      const wrongApiKey = await fetch(url, {
        method: "POST",
        headers: { ...mcpHeaders, "x-api-key": "not-a-configured-key-000" },
        body: ping,
      });
      expect(wrongApiKey.status).toBe(401);
      // The official client cannot even connect.
      await expect(connectMcp(harness.url)).rejects.toMatchObject({ data: { status: 401 } });
      await expect(
        connectMcp(harness.url, { headers: { authorization: "Bearer wrong-key-0000000000" } }),
      ).rejects.toMatchObject({ data: { status: 401 } });
    });

    it("refuses key A spending for project B: no provider call, nothing booked", async () => {
      const client = await mcpWith(clientKeys.projectA);
      const chat = await callTool(client, "chat_completion", chatArgs("proj-b"));
      expect(chat.isError).toBe(true);
      expect(chat.text).toMatch(/^GW_ERR_FORBIDDEN_PROJECT: /);
      expect(chat.text).toContain('may not act for project "proj-b"');
      const embed = await callTool(client, "create_embeddings", {
        project_id: "proj-b",
        agent_id: "agent-1",
        input: "hello",
      });
      expect(embed.isError).toBe(true);
      expect(embed.text).toMatch(/^GW_ERR_FORBIDDEN_PROJECT: /);
      expect(upstreamCalls(harness)).toBe(0);
      expect((await usageOf(harness, "proj-b")).requests).toBe(0);
    });

    it("refuses key A reading project B's usage", async () => {
      const client = await mcpWith(clientKeys.projectA);
      const usage = await callTool(client, "get_usage", { project_id: "proj-b", agent_id: "agent-1" });
      expect(usage.isError).toBe(true);
      expect(usage.text).toMatch(/^GW_ERR_FORBIDDEN_PROJECT: /);
      expect(usage.structured).toBeUndefined();
      const own = await callTool(client, "get_usage", { project_id: "proj-a", agent_id: "agent-1" });
      expect(own.isError).toBe(false);
    });

    it("lets key A spend for A and the admin key for any project, each booked to its project", async () => {
      const before = { a: await usageOf(harness, "proj-a"), b: await usageOf(harness, "proj-b") };
      const own = await callTool<ChatResult>(await mcpWith(clientKeys.projectA), "chat_completion", {
        ...chatArgs("proj-a"),
      });
      expect(own.isError).toBe(false);
      const admin = await mcpWith(clientKeys.admin);
      const forB = await callTool<ChatResult>(admin, "chat_completion", chatArgs("proj-b"));
      expect(forB.isError).toBe(false);
      expect(forB.structured.provider).toBe("openai");
      const anyProject = await callTool(admin, "get_usage", { project_id: "proj-zzz", agent_id: "ops" });
      expect(anyProject.isError).toBe(false);
      expect(upstreamCalls(harness)).toBe(2);
      expect((await usageOf(harness, "proj-a")).requests).toBe(before.a.requests + 1);
      expect((await usageOf(harness, "proj-b")).requests).toBe(before.b.requests + 1);
    });
  });

  describe("OpenAI-compatible /v1 through the official SDK", () => {
    it("raises AuthenticationError without a key and with a wrong one", async () => {
      const noKey = openAiClient(harness, "unused", { authorization: null });
      const missing = await noKey.chat.completions
        .create({ model: "gpt-4.1-mini", messages: hello })
        .catch((error: unknown) => error);
      expect(missing).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((missing as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
      const wrong = openAiClient(harness, "sk-not-a-client-key-0000");
      await expect(wrong.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      await expect(wrong.embeddings.create({ model: "embedding", input: "x" })).rejects.toBeInstanceOf(
        OpenAI.AuthenticationError,
      );
      expect(upstreamCalls(harness)).toBe(0);
    });

    it("raises PermissionDeniedError for key A spending for B: no provider call, nothing booked", async () => {
      const before = await usageOf(harness, "proj-b");
      const asB = openAiClient(harness, clientKeys.projectA, { "x-project-id": "proj-b" });
      const chat = await asB.chat.completions
        .create({ model: "gpt-4.1-mini", messages: hello })
        .catch((error: unknown) => error);
      expect(chat).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect(chat).toMatchObject({ status: 403, code: "GW_ERR_FORBIDDEN_PROJECT" });
      const stream = await asB.chat.completions
        .create({ model: "gpt-4.1-mini", messages: hello, stream: true })
        .catch((error: unknown) => error);
      expect(stream).toBeInstanceOf(OpenAI.PermissionDeniedError);
      await expect(asB.embeddings.create({ model: "embedding", input: "hello" })).rejects.toBeInstanceOf(
        OpenAI.PermissionDeniedError,
      );
      expect(upstreamCalls(harness)).toBe(0);
      expect((await usageOf(harness, "proj-b")).requests).toBe(before.requests);
    });

    it("refuses key A reading B's usage with 403", async () => {
      const client = openAiClient(harness, clientKeys.projectA);
      const refused = await client
        .get("/usage", { query: { project_id: "proj-b" } })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect(refused).toMatchObject({ code: "GW_ERR_FORBIDDEN_PROJECT" });
      const own = (await client.get("/usage", { query: { project_id: "proj-a" } })) as { project_id: string };
      expect(own.project_id).toBe("proj-a");
    });

    it("books a one-project key's request to its project without an x-project-id header", async () => {
      const before = await usageOf(harness, "proj-a");
      const client = openAiClient(harness, clientKeys.projectA);
      const completion = await client.chat.completions.create({ model: "gpt-4.1-mini", messages: hello });
      expect(completion.choices[0]?.message.content).toBeTruthy();
      const after = await usageOf(harness, "proj-a");
      expect(after.requests).toBe(before.requests + 1);
      expect(after.by_agent.default?.requests).toBeGreaterThanOrEqual(1);
    });

    it("asks a several-project key to name its project, and lets the admin key act for any", async () => {
      const several = openAiClient(harness, clientKeys.projectsAB);
      const unnamed = await several.chat.completions
        .create({ model: "gpt-4.1-mini", messages: hello })
        .catch((error: unknown) => error);
      expect(unnamed).toBeInstanceOf(OpenAI.BadRequestError);
      expect(unnamed).toMatchObject({ param: "x-project-id" });
      expect(upstreamCalls(harness)).toBe(0);
      const named = openAiClient(harness, clientKeys.projectsAB, { "x-project-id": "proj-b" });
      await expect(
        named.chat.completions.create({ model: "gpt-4.1-mini", messages: hello }),
      ).resolves.toBeTruthy();
      const before = await usageOf(harness, "proj-c");
      const admin = openAiClient(harness, clientKeys.admin, { "x-project-id": "proj-c" });
      await admin.chat.completions.create({ model: "gpt-4.1-mini", messages: hello });
      expect((await usageOf(harness, "proj-c")).requests).toBe(before.requests + 1);
      expect(upstreamCalls(harness)).toBe(2);
    });
  });

  it("keeps /health and /mcp/tools public, and neither shows a key", async () => {
    for (const path of ["/health", "/mcp/tools"]) {
      const response = await fetch(new URL(path, harness.url));
      expect(response.status, path).toBe(200);
      const body = await response.text();
      for (const key of Object.values(clientKeys)) expect(body).not.toContain(key);
    }
    const models = await fetch(new URL("/v1/models", harness.url));
    expect(models.status).toBe(401);
  });
  it("shows a project key only its own projects' failovers at /v1/status", async () => {
    const { openai } = harness.fakes;
    const statusWith = async (key: string) =>
      (await (
        await fetch(`${harness.url}/v1/status`, { headers: { authorization: `Bearer ${key}` } })
      ).json()) as { failovers: Array<{ projectId: string }> };
    // A failed attempt for each of projects A and B (here the only keyed model of the group, so the request fails too).
    for (const [projectId, key] of [
      ["proj-a", clientKeys.projectA],
      ["proj-b", clientKeys.projectsAB],
    ] as const) {
      openai.enqueueChat(openai.replies.error(500, "boom"));
      const client = openAiClient(harness, key, { "x-project-id": projectId });
      await client.chat.completions.create({ model: "fast", messages: hello }).catch(() => undefined);
    }
    const seenByA = (await statusWith(clientKeys.projectA)).failovers.map((failover) => failover.projectId);
    const seenByAdmin = (await statusWith(clientKeys.admin)).failovers.map((failover) => failover.projectId);
    expect(seenByAdmin).toEqual(expect.arrayContaining(["proj-a", "proj-b"]));
    expect(seenByA).toContain("proj-a");
    expect(seenByA).not.toContain("proj-b");
  });
});

describe("/v1/status shows a project key nothing another project's requests revealed", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      providers: ["anthropic", "openai"],
      env: {
        LLM_GATEWAY_API_KEYS: apiKeysEnv,
        LLM_GATEWAY_MAX_RETRIES: "0",
        // One failure opens the circuit, so its transition reason quotes project B's upstream error.
        LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "1",
      },
    });
  });
  afterAll(async () => harness.close());

  it("a 529 body echoing B's prompt reaches the * key's view, and nowhere in A's", async () => {
    const secret = "B-confidential-merger-plan-7731";
    harness.fakes.anthropic.enqueueChat(
      harness.fakes.anthropic.replies.error(529, `Overloaded while processing: "${secret}"`),
    );
    const asB = openAiClient(harness, clientKeys.projectsAB, { "x-project-id": "proj-b" });
    const answer = await asB.chat.completions.create({
      model: "fast",
      messages: [{ role: "user", content: secret }],
    });
    expect(answer.choices[0]?.message.content).toBeTruthy();
    const statusTextWith = async (key: string) => {
      const response = await fetch(`${harness.url}/v1/status`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(response.status).toBe(200);
      return response.text();
    };
    type Status = { circuitTransitions: Array<Record<string, unknown>>; failovers: unknown[] };

    const admin = await statusTextWith(clientKeys.admin);
    expect(admin).toContain(secret);
    const adminTransition = (JSON.parse(admin) as Status).circuitTransitions[0];
    expect(adminTransition).toMatchObject({ key: "anthropic/claude-haiku", from: "closed", to: "open" });
    expect(adminTransition?.reason).toContain(secret);

    const seenByA = await statusTextWith(clientKeys.projectA);
    expect(seenByA).not.toContain(secret);
    const statusOfA = JSON.parse(seenByA) as Status;
    // A still learns that the circuit opened (it routes through it too), just not why.
    expect(statusOfA.circuitTransitions[0]).toEqual({
      at: expect.any(String),
      key: "anthropic/claude-haiku",
      from: "closed",
      to: "open",
    });
    expect(statusOfA.failovers).toEqual([]);
  });
});
