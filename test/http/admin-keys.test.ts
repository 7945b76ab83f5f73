import type { Client } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  budgetEntrySchema,
  errorBodySchema,
  type KeyView,
  keyViewSchema,
  keyWithSecretSchema,
} from "../../src/http/admin/admin-schemas.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";
import { registerTestSecrets } from "../helpers/test-log-files.js";
import { apiKeysEnv, clientKeys, hello, upstreamCalls } from "../security/security-fixtures.js";

const mcpHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream" };

describe("the admin API: managed client keys, used on every door", () => {
  let harness: Harness;
  const clients: Client[] = [];
  const secrets: string[] = [];

  const admin = async (method: string, path: string, body?: unknown, key: string = clientKeys.admin) => {
    const response = await fetch(`${harness.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    // biome-ignore lint/suspicious/noExplicitAny: answers are checked against the zod schemas where their shape matters
    return { status: response.status, body: (await response.json()) as any };
  };
  /** Creates a key and records its secret for the end-of-run log scan. */
  const createKey = async (body: Record<string, unknown>) => {
    const created = await admin("POST", "/admin/keys", body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const parsed = keyWithSecretSchema.parse(created.body);
    remember(parsed.secret);
    return parsed;
  };
  const remember = (secret: string) => {
    secrets.push(secret);
    registerTestSecrets("admin-keys", { [`managed key ${secrets.length}`]: secret });
  };
  const chat = (key: string, model = "fast") =>
    fetch(`${harness.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model, messages: hello, max_tokens: 16 }),
    });
  const messages = (key: string, model = "fast") =>
    fetch(`${harness.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": key, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model, messages: hello, max_tokens: 16 }),
    });
  const mcpPing = (key: string) =>
    fetch(`${harness.url}/mcp`, {
      method: "POST",
      headers: { ...mcpHeaders, authorization: `Bearer ${key}` },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
  const mcpWith = async (key: string) => {
    const client = await connectMcp(harness.url, { headers: { authorization: `Bearer ${key}` } });
    clients.push(client);
    return client;
  };
  /** Refused on /v1 (OpenAI envelope), /v1/messages (Anthropic envelope) and MCP (JSON-RPC error), all 401. */
  const expectRefusedEverywhere = async (key: string, message: string) => {
    const openAi = await chat(key);
    expect(openAi.status).toBe(401);
    expect(await openAi.json()).toMatchObject({ error: { code: "GW_ERR_UNAUTHORIZED", message } });
    const anthropic = await messages(key);
    expect(anthropic.status).toBe(401);
    expect(await anthropic.json()).toMatchObject({
      type: "error",
      error: { type: "authentication_error", message },
    });
    const mcp = await mcpPing(key);
    expect(mcp.status).toBe(401);
    expect(await mcp.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32001, message } });
  };

  beforeAll(async () => {
    harness = await startHarness({
      providers: ["openai", "voyage"],
      env: { LLM_GATEWAY_API_KEYS: apiKeysEnv, LLM_GATEWAY_MAX_RETRIES: "0" },
      configYaml: "budgets:\n  projects:\n    proj-a: { monthly_usd: 100 }\n",
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await harness?.close();
  });

  it("answers admin keys only: 401 without a valid key, 403 GW_ERR_ADMIN_ONLY for a project key", async () => {
    const missing = await fetch(`${harness.url}/admin/keys`);
    expect(missing.status).toBe(401);
    const wrong = await admin("GET", "/admin/keys", undefined, "not-a-key-at-all-0000");
    expect(wrong.status).toBe(401);
    for (const path of ["/admin/keys", "/admin/budgets", "/admin/openapi.json"]) {
      const refused = await admin("GET", path, undefined, clientKeys.projectA);
      expect(refused.status).toBe(403);
      expect(errorBodySchema.parse(refused.body).error.code).toBe("GW_ERR_ADMIN_ONLY");
    }
    const creating = await admin(
      "POST",
      "/admin/keys",
      { name: "sneaky", projects: "*" },
      clientKeys.projectsAB,
    );
    expect(creating.status).toBe(403);
    expect((await admin("GET", "/admin/keys")).body.data.map((key: KeyView) => key.name)).not.toContain(
      "sneaky",
    );
  });

  it("creates a key whose secret is shown once, and lists it before the config keys", async () => {
    const created = await createKey({
      name: "team-search",
      projects: ["proj-a"],
      agents: ["agent-1", "default"],
      models: ["fast", "embedding"],
      budget: { daily_usd: 5 },
      limits: { requests_per_minute: 600, tokens_per_minute: 100_000 },
      metadata: { team: "search" },
    });
    expect(created.secret).toMatch(/^lgw_[A-Za-z0-9_-]{43}$/);
    expect(created.key).toMatchObject({
      name: "team-search",
      projects: ["proj-a"],
      agents: ["agent-1", "default"],
      models: ["fast", "embedding"],
      budget: { daily_usd: 5, monthly_usd: null },
      limits: { requests_per_minute: 600, tokens_per_minute: 100_000 },
      expires_at: null,
      metadata: { team: "search" },
      revoked_at: null,
      secret_hint: `lgw_…${created.secret.slice(-4)}`,
      source: "admin",
      spend: { today_usd: 0, month_usd: 0 },
    });
    expect(created.key.id).toMatch(/^key_[a-z2-7]{12}$/);
    const listed = await admin("GET", "/admin/keys");
    expect(listed.status).toBe(200);
    const views = listed.body.data.map((view: unknown) => keyViewSchema.parse(view));
    expect(views[0]).toEqual(created.key);
    expect(
      views.filter((view: KeyView) => view.source === "config").map((view: KeyView) => view.spend),
    ).toEqual(Array(3).fill({ today_usd: null, month_usd: null }));
    expect(views.filter((view: KeyView) => view.source === "config").map((view: KeyView) => view.id)).toEqual(
      ["config:env-key-1", "config:env-key-2", "config:env-key-3"],
    );
    expect(JSON.stringify(listed.body)).not.toContain(created.secret);
    const one = await admin("GET", `/admin/keys/${created.key.id}`);
    expect(keyViewSchema.parse(one.body)).toEqual(created.key);
  });

  it("admits the key on /v1/chat/completions, /v1/messages and MCP, and books to its project", async () => {
    const { secret } = await createKey({ name: "all-doors", projects: ["proj-a"] });
    const completion = await chat(secret);
    expect(completion.status).toBe(200);
    const message = await messages(secret);
    expect(message.status).toBe(200);
    expect(await message.json()).toMatchObject({ type: "message", role: "assistant" });
    const client = await mcpWith(secret);
    const result = await callTool(client, "chat_completion", {
      project_id: "proj-a",
      agent_id: "agent-1",
      model_group: "fast",
      messages: hello,
    });
    expect(result.isError, result.text).toBe(false);
    // The key's projects still hold: it may not act for proj-b.
    const elsewhere = await callTool(client, "chat_completion", {
      project_id: "proj-b",
      agent_id: "agent-1",
      model_group: "fast",
      messages: hello,
    });
    expect(elsewhere.text).toMatch(/^GW_ERR_FORBIDDEN_PROJECT: /);
  });

  it("refuses groups and models outside the key's list with 403 GW_ERR_FORBIDDEN_MODEL on every door, before any provider call", async () => {
    const { secret } = await createKey({ name: "fast-only", projects: ["proj-a"], models: ["fast"] });
    const before = upstreamCalls(harness);
    const refusedChat = await chat(secret, "reasoning");
    expect(refusedChat.status).toBe(403);
    expect(await refusedChat.json()).toMatchObject({
      error: { code: "GW_ERR_FORBIDDEN_MODEL", type: "permission_error", param: "model_group" },
    });
    expect((await chat(secret, "gpt-4.1")).status).toBe(403);
    const embeddings = await fetch(`${harness.url}/v1/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "embedding", input: "hello" }),
    });
    expect(embeddings.status).toBe(403);
    const responses = await fetch(`${harness.url}/v1/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "reasoning", input: "hello" }),
    });
    expect(responses.status).toBe(403);
    expect(await responses.json()).toMatchObject({ error: { code: "GW_ERR_FORBIDDEN_MODEL" } });
    const anthropic = await messages(secret, "code");
    expect(anthropic.status).toBe(403);
    expect(await anthropic.json()).toMatchObject({ type: "error", error: { type: "permission_error" } });
    const client = await mcpWith(secret);
    const base = { project_id: "proj-a", agent_id: "agent-1", messages: hello };
    for (const args of [
      { ...base, model_group: "reasoning" },
      { ...base, model: "gpt-4.1-mini", fallbacks: ["gpt-4.1"] },
      { ...base, models: ["fast", "reasoning"] },
      { ...base, models: ["fast", "gpt-4.1-mini"], judge: "code" },
    ]) {
      const refused = await callTool(client, "chat_completion", args);
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(/^GW_ERR_FORBIDDEN_MODEL: /);
    }
    const embed = await callTool(client, "create_embeddings", {
      project_id: "proj-a",
      agent_id: "a",
      input: "x",
    });
    expect(embed.text).toMatch(/^GW_ERR_FORBIDDEN_MODEL: /);
    expect(upstreamCalls(harness)).toBe(before);
    // GET /v1/models lists what the key may call: its groups and their models.
    const listed = await fetch(`${harness.url}/v1/models`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    const ids = ((await listed.json()) as { data: Array<{ id: string }> }).data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(["fast", "claude-haiku", "gpt-4.1-mini", "gemini-flash"]));
    expect(ids).not.toContain("reasoning");
    expect(ids).not.toContain("gpt-4.1");
    const hidden = await fetch(`${harness.url}/v1/models/reasoning`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(hidden.status).toBe(404);
    // The group's own models are allowed by name: asking for one only skips the failover.
    expect((await chat(secret, "fast")).status).toBe(200);
    expect((await chat(secret, "gpt-4.1-mini")).status).toBe(200);
    const fanOut = await callTool(client, "chat_completion", { ...base, models: ["fast", "gpt-4.1-mini"] });
    expect(fanOut.isError, fanOut.text).toBe(false);
  });

  it("rotates: the old secret is refused at once, the new one works, the id stays", async () => {
    const created = await createKey({ name: "rotating", projects: ["proj-a"] });
    expect((await chat(created.secret)).status).toBe(200);
    // A JSON content type with an empty body is no body (some clients send one on every POST).
    const rotated = await fetch(`${harness.url}/admin/keys/${created.key.id}/rotate`, {
      method: "POST",
      headers: { authorization: `Bearer ${clientKeys.admin}`, "content-type": "application/json" },
    }).then(async (response) => ({ status: response.status, body: await response.json() }));
    expect(rotated.status).toBe(200);
    const parsed = keyWithSecretSchema.parse(rotated.body);
    remember(parsed.secret);
    expect(parsed.key.id).toBe(created.key.id);
    expect(parsed.secret).not.toBe(created.secret);
    expect(parsed.key.secret_hint).toBe(`lgw_…${parsed.secret.slice(-4)}`);
    await expectRefusedEverywhere(created.secret, "The client key is not valid.");
    expect((await chat(parsed.secret)).status).toBe(200);
  });

  it("revokes: refused on every door at once; revoking twice answers the same view; DELETE revokes too", async () => {
    const created = await createKey({ name: "leaked", projects: ["proj-a"] });
    const client = await mcpWith(created.secret);
    const revoked = await admin("POST", `/admin/keys/${created.key.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(keyViewSchema.parse(revoked.body).revoked_at).not.toBeNull();
    await expectRefusedEverywhere(created.secret, "The client key has been revoked.");
    // An MCP session opened before the revocation is refused on its next request.
    await expect(
      client.callTool({ name: "list_models", arguments: { project_id: "proj-a", agent_id: "a" } }),
    ).rejects.toThrow();
    const again = await admin("POST", `/admin/keys/${created.key.id}/revoke`);
    expect(again.body).toEqual(revoked.body);
    expect((await admin("POST", `/admin/keys/${created.key.id}/rotate`)).status).toBe(400);
    // Listed only when asked for.
    const ids = async (query: string) =>
      (await admin("GET", `/admin/keys${query}`)).body.data.map((view: KeyView) => view.id);
    expect(await ids("")).not.toContain(created.key.id);
    expect(await ids("?include_revoked=true")).toContain(created.key.id);
    const other = await createKey({ name: "deleted", projects: ["proj-a"] });
    expect((await admin("DELETE", `/admin/keys/${other.key.id}`)).body.revoked_at).not.toBeNull();
    expect((await chat(other.secret)).status).toBe(401);
  });

  it("refuses an expired key with its own message", async () => {
    const created = await createKey({
      name: "short-lived",
      projects: ["proj-a"],
      expires_at: new Date(Date.now() + 1_500).toISOString(),
    });
    expect((await chat(created.secret)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    await expectRefusedEverywhere(created.secret, "The client key has expired.");
    // Extending the expiry brings it back.
    const extended = await admin("PATCH", `/admin/keys/${created.key.id}`, {
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(extended.status).toBe(200);
    expect((await chat(created.secret)).status).toBe(200);
  });

  it("updates a key: a field left out is unchanged, null clears, and the next request sees it", async () => {
    const created = await createKey({
      name: "patched",
      projects: ["proj-a"],
      models: ["embedding"],
      budget: { daily_usd: 1, monthly_usd: 10 },
      limits: { requests_per_minute: 5 },
      metadata: { a: "1" },
    });
    expect((await chat(created.secret)).status).toBe(403);
    const patched = await admin("PATCH", `/admin/keys/${created.key.id}`, {
      models: null,
      budget: { daily_usd: null },
      limits: null,
      metadata: { b: "2" },
    });
    expect(patched.status).toBe(200);
    expect(keyViewSchema.parse(patched.body)).toMatchObject({
      name: "patched",
      models: null,
      budget: { daily_usd: null, monthly_usd: 10 },
      limits: { requests_per_minute: null, tokens_per_minute: null },
      metadata: { b: "2" },
    });
    expect((await chat(created.secret)).status).toBe(200);
    const renamed = await admin("PATCH", `/admin/keys/${created.key.id}`, {
      name: "renamed",
      projects: ["proj-b"],
    });
    expect(renamed.body).toMatchObject({ name: "renamed", projects: ["proj-b"], models: null });
    // The next request acts for proj-b, and may no longer act for proj-a.
    expect((await chat(created.secret)).status).toBe(200);
    const projectA = await fetch(`${harness.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${created.secret}`,
        "content-type": "application/json",
        "x-project-id": "proj-a",
      },
      body: JSON.stringify({ model: "fast", messages: hello }),
    });
    expect(projectA.status).toBe(403);
    expect(await projectA.json()).toMatchObject({ error: { code: "GW_ERR_FORBIDDEN_PROJECT" } });
  });

  it("keeps config keys read-only (409 GW_ERR_CONFIG_KEY) and answers 404 GW_ERR_UNKNOWN_KEY for unknown ids", async () => {
    expect((await admin("GET", "/admin/keys/config:env-key-3")).body).toMatchObject({
      source: "config",
      projects: "*",
    });
    for (const [method, path, body] of [
      ["PATCH", "/admin/keys/config:env-key-1", { name: "x" }],
      ["POST", "/admin/keys/config:env-key-1/rotate", undefined],
      ["POST", "/admin/keys/config:env-key-1/revoke", undefined],
      ["DELETE", "/admin/keys/config:env-key-1", undefined],
    ] as const) {
      const answer = await admin(method, path, body);
      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe("GW_ERR_CONFIG_KEY");
    }
    for (const [method, path, body] of [
      ["GET", "/admin/keys/key_nonexistent0", undefined],
      ["PATCH", "/admin/keys/key_nonexistent0", { name: "x" }],
      ["POST", "/admin/keys/key_nonexistent0/rotate", undefined],
      ["POST", "/admin/keys/key_nonexistent0/revoke", undefined],
    ] as const) {
      const answer = await admin(method, path, body);
      expect(answer.status).toBe(404);
      expect(answer.body.error).toMatchObject({ code: "GW_ERR_UNKNOWN_KEY", param: "id" });
    }
  });

  it("refuses every bad field with a 400 naming it, and stores nothing", async () => {
    const before = (await admin("GET", "/admin/keys?include_revoked=true")).body.data.length;
    const valid = { name: "ok", projects: ["proj-a"] };
    const cases: Array<[Record<string, unknown>, string, RegExp?]> = [
      [{ projects: ["proj-a"] }, "name"],
      [{ ...valid, name: "" }, "name", /1-64 characters/],
      [{ ...valid, name: "a".repeat(65) }, "name"],
      [{ ...valid, name: "has space" }, "name"],
      [{ ...valid, name: 7 }, "name"],
      [{ name: "ok" }, "projects"],
      [{ ...valid, projects: [] }, "projects"],
      [{ ...valid, projects: "all" }, "projects"],
      [{ ...valid, projects: ["bad project"] }, "projects.0"],
      [{ ...valid, agents: [] }, "agents"],
      [{ ...valid, agents: ["ok", "no/slash"] }, "agents.1"],
      [
        { ...valid, models: ["fast", "no-such-model"] },
        "models.1",
        /neither a model group nor a catalog model/,
      ],
      [{ ...valid, models: [] }, "models"],
      [{ ...valid, models: "fast" }, "models"],
      [{ ...valid, budget: { daily_usd: -1 } }, "budget.daily_usd", /zero or more/],
      [{ ...valid, budget: { monthly_usd: "10" } }, "budget.monthly_usd"],
      [{ ...valid, budget: { weekly_usd: 1 } }, "budget.weekly_usd", /Unknown field/],
      [{ ...valid, budget: 5 }, "budget"],
      [{ ...valid, limits: { requests_per_minute: 0 } }, "limits.requests_per_minute", /at least 1/],
      [{ ...valid, limits: { tokens_per_minute: 1.5 } }, "limits.tokens_per_minute", /whole number/],
      [{ ...valid, limits: { rpm: 1 } }, "limits.rpm"],
      [{ ...valid, expires_at: "tomorrow" }, "expires_at", /ISO-8601/],
      [{ ...valid, expires_at: "2020-01-01T00:00:00Z" }, "expires_at", /in the future/],
      [{ ...valid, metadata: { a: "x".repeat(257) } }, "metadata.a", /256/],
      [
        { ...valid, metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, "v"])) },
        "metadata",
      ],
      [{ ...valid, metadata: { a: 1 } }, "metadata.a"],
      [{ ...valid, secret: "lgw_mine" }, "secret", /Unknown field/],
    ];
    for (const [body, param, message] of cases) {
      const answer = await admin("POST", "/admin/keys", body);
      expect(answer.status, `${param}: ${JSON.stringify(answer.body)}`).toBe(400);
      const error = errorBodySchema.parse(answer.body).error;
      expect(error).toMatchObject({ code: "GW_ERR_INVALID_REQUEST", param });
      expect(error.message).toContain(param);
      if (message) expect(error.message).toMatch(message);
    }
    const notJson = await fetch(`${harness.url}/admin/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${clientKeys.admin}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(notJson.status).toBe(400);
    expect((await admin("POST", "/admin/keys", ["a"])).status).toBe(400);
    const poisoned = await fetch(`${harness.url}/admin/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${clientKeys.admin}`, "content-type": "application/json" },
      body: '{"name":"p","projects":["proj-a"],"metadata":{"__proto__":{"x":"1"}}}',
    });
    expect(poisoned.status).toBe(400);
    const created = await createKey({ name: "patch-target", projects: ["proj-a"] });
    for (const [body, param] of [
      [{ name: null }, "name"],
      [{ projects: null }, "projects"],
      [{ budget: { daily_usd: -5 } }, "budget.daily_usd"],
      [{ expires_at: "2001-01-01T00:00:00Z" }, "expires_at"],
      [{ unknown: 1 }, "unknown"],
    ] as const) {
      const answer = await admin("PATCH", `/admin/keys/${created.key.id}`, body);
      expect(answer.status).toBe(400);
      expect(answer.body.error.param).toBe(param);
    }
    expect((await admin("GET", `/admin/keys/${created.key.id}`)).body).toEqual(created.key);
    expect((await admin("GET", "/admin/keys?include_revoked=yes")).body.error.param).toBe("include_revoked");
    expect((await admin("GET", "/admin/keys?include_revoked=true")).body.data.length).toBe(before + 1);
  });

  it("sets, lists and removes project and agent budgets and limits; the live policy follows at once", async () => {
    const put = await admin("PUT", "/admin/budgets/projects/proj-a", {
      daily_usd: 2,
      requests_per_minute: 30,
    });
    expect(put.status).toBe(200);
    expect(budgetEntrySchema.parse(put.body)).toMatchObject({
      scope: "project",
      project_id: "proj-a",
      agent_id: null,
      key_id: null,
      budget: { daily_usd: 2, monthly_usd: 100 },
      limits: { requests_per_minute: 30, tokens_per_minute: null },
      source: "both",
    });
    expect(put.body.standing.map((standing: { period: string }) => standing.period)).toEqual([
      "day",
      "month",
    ]);
    expect(harness.gateway.policy.budgets()["proj-a"]).toMatchObject({ dailyUsd: 2, monthlyUsd: 100 });
    expect(harness.gateway.policy.rateLimits().projects["proj-a"]).toMatchObject({ projectRpm: 30 });
    const agent = await admin("PUT", "/admin/budgets/projects/proj-b/agents/agent-1", {
      tokens_per_minute: 1000,
    });
    expect(agent.body).toMatchObject({
      scope: "agent",
      project_id: "proj-b",
      agent_id: "agent-1",
      source: "admin",
    });
    expect(harness.gateway.policy.rateLimits().projects["proj-b"]?.agents?.["agent-1"]).toEqual({
      tpm: 1000,
    });
    // null clears one stored field, a field left out stays.
    const cleared = await admin("PUT", "/admin/budgets/projects/proj-a", { daily_usd: null });
    expect(cleared.body).toMatchObject({
      budget: { daily_usd: null, monthly_usd: 100 },
      limits: { requests_per_minute: 30 },
    });
    const listed = await admin("GET", "/admin/budgets");
    const entries = listed.body.data.map((entry: unknown) => budgetEntrySchema.parse(entry));
    expect(
      entries.map(
        (entry: { scope: string; project_id: string | null }) => `${entry.scope}:${entry.project_id}`,
      ),
    ).toEqual(expect.arrayContaining(["project:proj-a", "agent:proj-b", "key:null"]));
    const onlyB = await admin("GET", "/admin/budgets?project=proj-b");
    expect(
      onlyB.body.data.every(
        (entry: { project_id: string | null; scope: string }) =>
          entry.project_id === "proj-b" || entry.scope === "key",
      ),
    ).toBe(true);
    const removed = await admin("DELETE", "/admin/budgets/projects/proj-a");
    expect(removed.body).toMatchObject({
      source: "config",
      budget: { monthly_usd: 100 },
      limits: { requests_per_minute: null },
    });
    expect(harness.gateway.policy.rateLimits().projects["proj-a"]).toBeUndefined();
    await admin("DELETE", "/admin/budgets/projects/proj-b/agents/agent-1");
    for (const [path, body, param] of [
      ["/admin/budgets/projects/proj-a", { daily_usd: -1 }, "daily_usd"],
      ["/admin/budgets/projects/proj-a", { requests_per_minute: 2.5 }, "requests_per_minute"],
      ["/admin/budgets/projects/proj-a", { tokens_per_minute: "many" }, "tokens_per_minute"],
      ["/admin/budgets/projects/proj-a", { hourly_usd: 1 }, "hourly_usd"],
      ["/admin/budgets/projects/bad%20id", { daily_usd: 1 }, "project"],
      ["/admin/budgets/projects/proj-a/agents/x%2Fy", { daily_usd: 1 }, "agent"],
    ] as const) {
      const answer = await admin("PUT", path, body);
      expect(answer.status).toBe(400);
      expect(answer.body.error.param).toBe(param);
    }
    expect(harness.gateway.policy.budgets()["proj-a"]).toEqual({ monthlyUsd: 100, agents: {} });
  });

  it("applies a rate limit set at runtime to the next request, and lifts it when deleted", async () => {
    const send = async () => {
      const response = await fetch(`${harness.url}/v1/chat/completions`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${clientKeys.admin}`,
          "content-type": "application/json",
          "x-project-id": "proj-runtime",
        },
        body: JSON.stringify({ model: "fast", messages: hello, max_tokens: 8 }),
      });
      return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
    };
    // A fresh UTC minute would reset the window mid-test: start early in one.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 50_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
    expect((await send()).status).toBe(200);
    await admin("PUT", "/admin/budgets/projects/proj-runtime", { requests_per_minute: 2 });
    // An unlimited project's requests are not counted: the limit's minute starts with it.
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    const limited = await send();
    expect(limited.status).toBe(429);
    expect(limited.body.error?.code).toBe("GW_ERR_RATE_LIMITED");
    // The limit's state is visible: to the admin, and to the project in its usage.
    const minuteEnd = new Date((Math.floor(Date.now() / 60_000) + 1) * 60_000).toISOString();
    const standing = [
      { scope: "project", limit: "requests_per_minute", allowed: 2, used: 2, resets_at: minuteEnd },
    ];
    expect((await admin("GET", "/admin/budgets?project=proj-runtime")).body.data[0]).toMatchObject({
      scope: "project",
      project_id: "proj-runtime",
      rate_standing: standing,
    });
    const usage = await admin("GET", "/v1/usage?project_id=proj-runtime&period=day");
    expect(usage.body.budgets.rate_standing).toEqual(standing);
    await admin("DELETE", "/admin/budgets/projects/proj-runtime");
    expect((await send()).status).toBe(200);
  }, 20_000);

  it("describes itself as OpenAPI 3.1 from the same schemas", async () => {
    const document = await admin("GET", "/admin/openapi.json");
    expect(document.status).toBe(200);
    expect(document.body.openapi).toBe("3.1.0");
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining([
        "/admin/keys",
        "/admin/keys/{id}",
        "/admin/keys/{id}/rotate",
        "/admin/keys/{id}/revoke",
        "/admin/budgets",
        "/admin/budgets/projects/{project}",
        "/admin/budgets/projects/{project}/agents/{agent}",
      ]),
    );
    const createKey = document.body.components.schemas.CreateKey;
    expect(createKey.required).toEqual(["name", "projects"]);
    expect(createKey.additionalProperties).toBe(false);
    expect(Object.keys(document.body.components.schemas.KeyView.properties)).toEqual(
      Object.keys(keyViewSchema.shape),
    );
  });

  it("logs every admin write with the admin key's name, and never a secret", () => {
    const audit = harness.logs.filter((line) => typeof line.action === "string" && line.admin !== undefined);
    expect(audit.map((line) => line.action)).toEqual(
      expect.arrayContaining([
        "key.create",
        "key.rotate",
        "key.revoke",
        "key.update",
        "limits.set",
        "limits.delete",
      ]),
    );
    expect(audit.every((line) => line.admin === "env-key-3")).toBe(true);
    const text = harness.logs.map((line) => JSON.stringify(line)).join("\n");
    expect(secrets.length).toBeGreaterThan(5);
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});

describe("the admin API without any client key configured", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ providers: ["openai"] });
  });
  afterAll(() => harness?.close());

  it("answers 403 saying to configure an admin key", async () => {
    const response = await fetch(`${harness.url}/admin/keys`);
    expect(response.status).toBe(403);
    const body = errorBodySchema.parse(await response.json());
    expect(body.error.code).toBe("GW_ERR_ADMIN_ONLY");
    expect(body.error.message).toContain('projects "*"');
  });
});

describe("the admin API with client keys but no admin key", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      providers: ["openai"],
      env: { LLM_GATEWAY_API_KEYS: `${clientKeys.projectA}=proj-a` },
    });
  });
  afterAll(() => harness?.close());

  it("answers 403 saying that no admin key is configured", async () => {
    const response = await fetch(`${harness.url}/admin/keys`, {
      headers: { authorization: `Bearer ${clientKeys.projectA}` },
    });
    expect(response.status).toBe(403);
    const body = errorBodySchema.parse(await response.json());
    expect(body.error).toMatchObject({ code: "GW_ERR_ADMIN_ONLY" });
    expect(body.error.message).toContain("none is configured");
  });
});
