import type { Client } from "@modelcontextprotocol/client";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FakeProvider } from "../../src/fakes/fake-provider.js";
import { createFakeOpenAi } from "../../src/fakes/openai/fake-openai.js";
import {
  fakeProviderKeys,
  type Harness,
  type ProviderName,
  startHarness,
} from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";
import { apiKeysEnv, clientKeys, hello, openAiClient } from "./security-fixtures.js";

/** A self-hosted OpenAI-compatible server's key: not `sk-` shaped, so no provider-specific masking applies. */
const localKey = "local-llm-key-0006-do-not-log";
const secrets = { ...fakeProviderKeys, ...clientKeys, local: localKey };

/** No key, nor the first 16 characters of one (a key cut by truncation still leaks). */
function expectNoSecrets(text: string, where: string): void {
  for (const [name, secret] of Object.entries(secrets)) {
    expect(text.includes(secret), `${name} key in ${where}`).toBe(false);
    expect(text.includes(secret.slice(0, 16)), `start of the ${name} key in ${where}`).toBe(false);
  }
}

function localProviderYaml(baseUrl: string): string {
  return `
providers:
  local-llm: { kind: openai-compatible, api_key: ${localKey}, base_url: "${baseUrl}" }
models:
  local-model:
    provider: local-llm
    provider_model_id: local
    context_window: 8000
    max_output_tokens: 1000
    price_per_mtok: { input: 0, output: 0 }
`;
}

/** What some providers do with a bad key: repeat it in the error message. */
const echo = (provider: ProviderName) => `Incorrect API key provided: ${fakeProviderKeys[provider]}.`;

describe("provider and client keys never leave the gateway", () => {
  let harness: Harness;
  let mcp: Client;
  let sdk: OpenAI;
  let local: FakeProvider;
  const mcpArgs = { project_id: "proj-a", agent_id: "agent-1", messages: hello };
  beforeAll(async () => {
    local = await createFakeOpenAi();
    harness = await startHarness({
      configYaml: localProviderYaml(local.baseUrl),
      env: {
        LLM_GATEWAY_API_KEYS: apiKeysEnv,
        LLM_GATEWAY_MAX_RETRIES: "0",
        LLM_GATEWAY_LOG_LEVEL: "debug",
        // Every test here makes providers fail on purpose; no circuit may open in between.
        LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "1000",
      },
    });
    mcp = await connectMcp(harness.url, { headers: { authorization: `Bearer ${clientKeys.projectA}` } });
    sdk = openAiClient(harness, clientKeys.projectA);
  });
  afterEach(() => {
    for (const fake of [...Object.values(harness.fakes), local]) fake.server.reset();
    expectNoSecrets(JSON.stringify(harness.logs), "the logs");
  });
  afterAll(async () => {
    await mcp.close();
    await harness.close();
    await local.close();
  });

  it("scrubs keys a provider echoes in 401 bodies from attempts, tool results, SDK errors and logs", async () => {
    const { anthropic, openai, google, deepseek } = harness.fakes;
    // code = claude-sonnet-4 (anthropic) -> gpt-4.1 (openai) -> deepseek-coder (deepseek)
    anthropic.enqueueChat(anthropic.replies.error(401, echo("anthropic")));
    openai.enqueueChat(openai.replies.error(401, echo("openai")));
    deepseek.enqueueChat(deepseek.replies.error(401, echo("deepseek")));
    const viaMcp = await callTool(mcp, "chat_completion", { ...mcpArgs, model_group: "code" });
    expect(viaMcp.isError).toBe(true);
    expect(viaMcp.text).toContain("GW_ERR_ALL_PROVIDERS_FAILED");
    expect(viaMcp.text).toContain("anthropic answered 401: Incorrect API key provided: [redacted].");
    expectNoSecrets(viaMcp.text, "the MCP tool result");

    // reasoning = anthropic -> openai -> google, streamed through the SDK this time.
    anthropic.enqueueChat(anthropic.replies.error(401, echo("anthropic")));
    openai.enqueueChat(openai.replies.error(403, echo("openai")));
    google.enqueueChat(google.replies.error(400, `API key not valid: ${fakeProviderKeys.google}`));
    const viaSdk = await sdk.chat.completions
      .create({ model: "reasoning", messages: hello, stream: true })
      .catch((error: unknown) => error);
    expect(viaSdk).toBeInstanceOf(OpenAI.APIError);
    expect((viaSdk as Error).message).toContain("google answered 400");
    expectNoSecrets((viaSdk as Error).message, "the SDK error");
  });

  it("scrubs a key echoed in a rejected request's message, which goes straight to the caller", async () => {
    const { anthropic } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.error(400, `Bad request for key ${fakeProviderKeys.anthropic}`));
    const result = await callTool(mcp, "chat_completion", { ...mcpArgs, model: "claude-haiku" });
    expect(result.text).toContain("GW_ERR_UPSTREAM_REJECTED_REQUEST");
    expectNoSecrets(result.text, "the MCP tool result");
  });

  it("scrubs keys echoed in bodies that are not the provider's envelope (plain text, HTML, a 2xx that is not JSON)", async () => {
    const { openai } = harness.fakes;
    openai.enqueueChat(
      { type: "raw", status: 502, body: `<html>upstream said: bad key ${fakeProviderKeys.openai}</html>` },
      { type: "raw", status: 200, body: `key=${fakeProviderKeys.openai} is not allowed here` },
    );
    for (const where of ["a 502 page", "a 200 non-JSON body"]) {
      const result = await callTool(mcp, "chat_completion", { ...mcpArgs, model: "gpt-4.1" });
      expect(result.isError, where).toBe(true);
      expect(result.text).toContain("openai");
      expectNoSecrets(result.text, where);
    }
  });

  it("scrubs a key echoed in an in-band stream error, or in the error body of a self-hosted server", async () => {
    const inBand = { error: { message: `no such key ${localKey}`, type: "server_error", code: null } };
    local.enqueueChat(
      { type: "sse", events: [{ data: JSON.stringify(inBand) }] },
      local.replies.error(401, `no such key ${localKey}`),
    );
    for (const stream of [true, false]) {
      const failed = await sdk.chat.completions
        .create({ model: "local-model", messages: hello, stream })
        .catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(OpenAI.APIError);
      expect((failed as Error).message).toContain("no such key [redacted]");
      expectNoSecrets((failed as Error).message, "the SDK error");
    }
  });

  it("scrubs an OpenAI key echoed in an in-band stream error", async () => {
    const { openai } = harness.fakes;
    openai.enqueueChat({
      type: "sse",
      events: [
        { data: JSON.stringify({ error: { message: echo("openai"), type: "server_error", code: null } }) },
      ],
    });
    const failed = await sdk.chat.completions
      .create({ model: "gpt-4.1", messages: hello, stream: true })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(OpenAI.APIError);
    expect((failed as Error).message).toContain("Incorrect API key provided");
    expectNoSecrets((failed as Error).message, "the SDK error");
  });

  it("scrubs keys echoed by embedding providers", async () => {
    const { openai, voyage } = harness.fakes;
    openai.enqueueEmbeddings?.(openai.replies.error(401, echo("openai")));
    voyage.enqueueEmbeddings?.(voyage.replies.error(401, echo("voyage")));
    const failed = await sdk.embeddings
      .create({ model: "embedding", input: "hello" })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(OpenAI.APIError);
    expect((failed as Error).message).toContain("voyage answered 401");
    expectNoSecrets((failed as Error).message, "the SDK error");
  });

  it("shows no key on any public or tool surface", async () => {
    const surfaces: Array<[string, string]> = [];
    for (const path of ["/health", "/metrics", "/mcp/tools", "/dashboard"]) {
      const response = await fetch(new URL(path, harness.url));
      surfaces.push([
        path,
        `${response.status} ${JSON.stringify([...response.headers])} ${await response.text()}`,
      ]);
    }
    const authorized = { authorization: `Bearer ${clientKeys.projectA}` };
    for (const path of ["/v1/models", "/v1/usage?project_id=proj-a&period=all"]) {
      const response = await fetch(new URL(path, harness.url), { headers: authorized });
      expect(response.status, path).toBe(200);
      surfaces.push([path, await response.text()]);
    }
    for (const [tool, args] of [
      ["list_models", {}],
      ["count_tokens", { text: "hello", model: "claude-opus-4-5" }],
      ["get_usage", { period: "all" }],
      ["chat_completion", { messages: hello }],
      ["create_embeddings", { input: "hello" }],
    ] as const) {
      const result = await mcp.callTool({
        name: tool,
        arguments: { project_id: "proj-a", agent_id: "a", ...args },
      });
      expect(result.isError, tool).toBeFalsy();
      surfaces.push([tool, JSON.stringify(result)]);
    }
    const { response } = await sdk.chat.completions.create({ model: "fast", messages: hello }).withResponse();
    surfaces.push(["SDK headers", JSON.stringify([...response.headers])]);
    for (const [where, text] of surfaces) expectNoSecrets(text, where);
  });

  it("never sends the client's key upstream, only the provider's own", async () => {
    await sdk.chat.completions.create({ model: "gpt-4.1", messages: hello });
    const call = harness.fakes.openai.chatCalls()[0];
    expect(call?.headers.authorization).toBe(`Bearer ${fakeProviderKeys.openai}`);
    expectNoSecrets(
      JSON.stringify({ ...call?.headers, authorization: undefined }) + call?.bodyText,
      "the upstream request",
    );
  });
});
