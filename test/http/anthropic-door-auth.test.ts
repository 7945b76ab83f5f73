import Anthropic, { type APIError } from "@anthropic-ai/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { apiKeysEnv, clientKeys, upstreamCalls, usageOf } from "../security/security-fixtures.js";

const hello = { model: "gpt-4.1-mini", max_tokens: 20, messages: [{ role: "user" as const, content: "Hi" }] };

describe("the Messages door with client keys: as Anthropic clients send them", () => {
  let harness: Harness;
  const anthropicWith = (options: {
    apiKey?: string | null;
    authToken?: string;
    headers?: Record<string, string>;
  }) =>
    new Anthropic({
      apiKey: options.apiKey ?? null,
      authToken: options.authToken ?? null,
      baseURL: harness.url,
      maxRetries: 0,
      defaultHeaders: options.headers ?? {},
    });
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(() => undefined).catch((error: APIError) => error);

  beforeAll(async () => {
    harness = await startHarness({
      providers: ["openai"],
      env: {
        LLM_GATEWAY_API_KEYS: apiKeysEnv,
        LLM_GATEWAY_MAX_RETRIES: "0",
        LLM_GATEWAY_BODY_LIMIT_BYTES: "65536",
      },
      configYaml: [
        "rate_limits:\n  projects:\n    proj-limited: { requests_per_minute: 1 }",
        "budgets:\n  projects:\n    proj-broke: { daily_usd: 0.000001 }",
      ].join("\n"),
    });
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => harness.close());

  it("takes the key as x-api-key (ANTHROPIC_API_KEY) and books to the key's only project", async () => {
    const message = await anthropicWith({ apiKey: clientKeys.projectA }).messages.create(hello);
    expect(message.model).toBe("gpt-4.1-mini");
    const usage = await usageOf(harness, "proj-a");
    expect(usage.requests).toBe(1);
    expect(Object.keys(usage.by_agent)).toEqual(["default"]);
  });

  it("takes it as a bearer token (ANTHROPIC_AUTH_TOKEN), with x-project-id and x-agent-id", async () => {
    const client = anthropicWith({
      authToken: clientKeys.projectsAB,
      headers: { "x-project-id": "proj-b", "x-agent-id": "coder" },
    });
    await client.messages.create(hello);
    expect((await usageOf(harness, "proj-b")).by_agent.coder?.requests).toBe(1);
  });

  it("refuses a missing or wrong key with 401 in Anthropic's envelope, before any provider call", async () => {
    const wrong = await failureOf(
      anthropicWith({ apiKey: "sk-ant-not-a-gateway-key" }).messages.create(hello),
    );
    expect(wrong).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(wrong?.error).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    const missing = await fetch(`${harness.url}/v1/messages?beta=true`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify(hello),
    });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    expect(upstreamCalls(harness)).toBe(0);
  });

  it("a project the key may not act for is a 403 permission_error; several projects need x-project-id", async () => {
    const foreign = await failureOf(
      anthropicWith({ apiKey: clientKeys.projectA, headers: { "x-project-id": "proj-b" } }).messages.create(
        hello,
      ),
    );
    expect(foreign).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(foreign?.error).toMatchObject({ error: { type: "permission_error" } });
    const unnamed = await failureOf(anthropicWith({ apiKey: clientKeys.projectsAB }).messages.create(hello));
    expect(unnamed).toBeInstanceOf(Anthropic.BadRequestError);
    expect(unnamed?.message).toContain("x-project-id");
    expect(upstreamCalls(harness)).toBe(0);
  });

  it("a rate limit is a 429 rate_limit_error with retry-after", async () => {
    const client = anthropicWith({ apiKey: clientKeys.admin, headers: { "x-project-id": "proj-limited" } });
    await client.messages.create(hello);
    const limited = await failureOf(client.messages.create(hello));
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect(limited?.error).toMatchObject({ error: { type: "rate_limit_error" } });
    expect(Number(limited?.headers?.get("retry-after"))).toBeGreaterThan(0);
  });

  it("a body over the limit is a 413 request_too_large the SDK raises as ContentTooLargeError", async () => {
    const tooLarge = await failureOf(
      anthropicWith({ apiKey: clientKeys.projectA }).messages.create({
        ...hello,
        messages: [{ role: "user", content: "x".repeat(100_000) }],
      }),
    );
    expect(tooLarge).toBeInstanceOf(Anthropic.ContentTooLargeError);
    expect(tooLarge?.error).toMatchObject({ type: "error", error: { type: "request_too_large" } });
    expect(upstreamCalls(harness)).toBe(0);
  });

  it("a spent budget is a 402 billing_error, which clients do not retry, with retry-after as information", async () => {
    const client = anthropicWith({ apiKey: clientKeys.admin, headers: { "x-project-id": "proj-broke" } });
    const broke = await failureOf(client.messages.create(hello));
    expect(broke).toBeInstanceOf(Anthropic.PaymentRequiredError);
    expect(broke?.error).toMatchObject({
      error: { type: "billing_error", message: expect.stringContaining("GW_ERR_BUDGET_EXCEEDED") },
    });
    expect(upstreamCalls(harness)).toBe(0);
  });

  it("HEAD / answers without a key (Claude Code's preconnect); nothing else does", async () => {
    expect((await fetch(`${harness.url}/`, { method: "HEAD" })).status).toBe(200);
    expect(
      (await fetch(`${harness.url}/v1/models`, { headers: { "anthropic-version": "2023-06-01" } })).status,
    ).toBe(401);
  });
});
