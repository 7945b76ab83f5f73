import type { Client } from "@modelcontextprotocol/client";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  azureContentFilterError,
  azureFakeApiKey,
  createFakeAzureOpenAi,
} from "../../src/fakes/azure/fake-azure-openai.js";
import {
  createFakeEntraAuthority,
  type FakeEntraAuthority,
} from "../../src/fakes/azure/fake-entra-authority.js";
import type { FakeProvider } from "../../src/fakes/fake-provider.js";
import type { ChatResult } from "../../src/gateway/chat-types.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";
import { openAiClientFor } from "../helpers/sdk-clients.js";

const entraToken = "azure-fake-entra-token-0003-do-not-log";
const wrongKey = "azure-wrong-key-0004-do-not-log";
const entraApp = {
  tenantId: "11111111-2222-3333-4444-555555555555",
  clientId: "66666666-7777-8888-9999-000000000000",
  clientSecret: "entra-fake-client-secret-0007-do-not-log",
};

const model = (name: string, provider: string, deployment: string, kind = "chat") => `
  ${name}:
    kind: ${kind}
    provider: ${provider}
    provider_model_id: ${deployment}
    context_window: 128000
    max_output_tokens: ${kind === "chat" ? 16384 : 0}
    price_per_mtok: { input: 2.5, output: ${kind === "chat" ? 10 : 0}, cached_input: 1.25 }`;

/**
 * One fake Azure resource behind several provider entries: `azure` (key from
 * AZURE_OPENAI_API_KEY, the default GA api-version), `azure-entra` (an Entra ID
 * token), `azure-v1` (the v1 API), `azure-june` (2024-06-01, without
 * stream_options), `azure-wrong` (a key the resource refuses) and `azure-app` (an Entra
 * ID app whose tokens the gateway fetches from a fake authority). `azure-first`
 * fails over to OpenAI's gpt-4.1; `azure-only` has no fallback.
 */
const configYaml = (endpoint: string, authority: string) => `
providers:
  azure: { kind: azure, base_url: "${endpoint}" }
  azure-entra: { kind: azure, base_url: "${endpoint}", azure_ad_token: "${entraToken}" }
  azure-v1: { kind: azure, base_url: "${endpoint}/openai/v1" }
  azure-june: { kind: azure, base_url: "${endpoint}", api_version: "2024-06-01" }
  azure-wrong: { kind: azure, base_url: "${endpoint}", api_key: "${wrongKey}" }
  azure-app:
    kind: azure
    base_url: "${endpoint}"
    azure_tenant_id: "${entraApp.tenantId}"
    azure_client_id: "${entraApp.clientId}"
    azure_client_secret: "${entraApp.clientSecret}"
    azure_authority_host: "${authority}"
models:${model("azure-gpt-4o", "azure", "gpt-4o")}${model("entra-gpt-4o", "azure-entra", "gpt-4o")}${model("v1-gpt-4o", "azure-v1", "gpt-4o")}${model("june-gpt-4o", "azure-june", "gpt-4o")}${model("wrong-gpt-4o", "azure-wrong", "gpt-4o")}${model("app-gpt-4o", "azure-app", "gpt-4o")}${model("azure-embed", "azure", "text-embedding-3-large", "embedding")}
model_groups:
  azure-first: [azure-gpt-4o, gpt-4.1]
  azure-only: [azure-gpt-4o]
  misconfigured-first: [wrong-gpt-4o, azure-gpt-4o]
  azure-embedding: [azure-embed]
`;

const caller = { project_id: "proj-azure", agent_id: "agent-az" };
const messages = [{ role: "user" as const, content: "Say hello" }];

describe("Azure OpenAI through /v1 and MCP", () => {
  let harness: Harness;
  let azure: FakeProvider;
  let authority: FakeEntraAuthority;
  let client: Client;
  let openai: OpenAI;
  beforeAll(async () => {
    authority = await createFakeEntraAuthority(entraApp);
    azure = await createFakeAzureOpenAi({
      credentials: {
        apiKey: azureFakeApiKey,
        entraToken,
        isValidEntraToken: (token) => authority.isValidToken(token),
      },
    });
    harness = await startHarness({
      configYaml: configYaml(azure.baseUrl, authority.url),
      env: { LLM_GATEWAY_MAX_RETRIES: "0", AZURE_OPENAI_API_KEY: azureFakeApiKey },
    });
    client = await connectMcp(harness.url);
    openai = openAiClientFor(harness.url, caller);
  });
  afterEach(() => {
    for (const fake of [...Object.values(harness.fakes), azure]) fake.server.reset();
  });
  afterAll(async () => {
    await client.close();
    await harness.close();
    await azure.close();
    await authority.close();
    // Neither the resource's key nor the token nor the refused key reached a log line.
    const logText = JSON.stringify(harness.logs);
    for (const secret of [azureFakeApiKey, entraToken, wrongKey, entraApp.clientSecret]) {
      expect(logText).not.toContain(secret);
    }
  });

  it("/v1 one answer: the deployment's path, api-version and api-key; usage booked", async () => {
    azure.enqueueChat(
      azure.replies.text("Hello from Azure", {
        inputTokens: 1000,
        outputTokens: 100,
        cachedInputTokens: 400,
      }),
    );
    const answer = await openai.chat.completions.create({ model: "azure-only", messages });
    expect(answer.choices[0]?.message.content).toBe("Hello from Azure");
    expect(answer.model).toBe("azure-gpt-4o");
    expect(answer.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 100 });
    expect(answer.usage?.prompt_tokens_details?.cached_tokens).toBe(400);
    const [call] = azure.chatCalls();
    expect(call?.path).toBe("/openai/deployments/gpt-4o/chat/completions");
    expect(call?.query.get("api-version")).toBe("2024-10-21");
    expect(call?.headers["api-key"]).toBe(azureFakeApiKey);
    expect(call?.headers.authorization).toBeUndefined();
  });

  it("/v1 streamed: Azure's opening chunk of prompt filter results is skipped, usage read", async () => {
    azure.enqueueChat(azure.replies.stream(["Hel", "lo"], { usage: { inputTokens: 9, outputTokens: 2 } }));
    const stream = await openai.chat.completions.create({
      model: "azure-only",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined | null;
    const ids = new Set<string>();
    for await (const chunk of stream) {
      ids.add(chunk.id);
      text += chunk.choices[0]?.delta.content ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe("Hello");
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 2 });
    expect([...ids]).toEqual([expect.stringMatching(/^chatcmpl-/)]);
    expect(azure.chatCalls()[0]?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("/v1 tool calls round-trip", async () => {
    azure.enqueueChat(azure.replies.toolCall("get_weather", '{"city":"Paris"}'));
    const weather = {
      type: "function" as const,
      function: {
        name: "get_weather",
        parameters: { type: "object", properties: { city: { type: "string" } } },
      },
    };
    const first = await openai.chat.completions.create({ model: "azure-only", messages, tools: [weather] });
    const toolCall = first.choices[0]?.message.tool_calls?.[0];
    expect(toolCall).toMatchObject({ function: { name: "get_weather", arguments: '{"city":"Paris"}' } });
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    const second = await openai.chat.completions.create({
      model: "azure-only",
      tools: [weather],
      messages: [
        ...messages,
        { role: "assistant", content: null, tool_calls: toolCall ? [toolCall] : [] },
        { role: "tool", tool_call_id: toolCall?.id ?? "", content: "18 °C" },
      ],
    });
    expect(second.choices[0]?.message.content).toBe("Hello from fake gpt-4o");
    expect(azure.chatCalls()[1]?.body).toMatchObject({
      messages: [{}, { tool_calls: [{ id: toolCall?.id }] }, {}],
    });
  });

  it("/v1 content filter: Azure's 400 reaches the caller naming the category, no failover", async () => {
    azure.enqueueChat(azureContentFilterError("violence", "medium"));
    const refused = await openai.chat.completions
      .create({ model: "azure-first", messages })
      .catch((error) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    const message = (refused as InstanceType<typeof OpenAI.BadRequestError>).message;
    expect(message).toContain("content management policy");
    expect(message).toContain("violence filtered at severity medium");
    expect(harness.fakes.openai.chatCalls()).toHaveLength(0);
  });

  it("/v1 failover: Azure 429 (retry-after) and 503 -> the next chain entry answers", async () => {
    for (const status of [429, 503]) {
      azure.enqueueChat(
        azure.replies.error(status, "Requests have exceeded the rate limit", { retryAfterSeconds: 6 }),
      );
      harness.fakes.openai.enqueueChat(harness.fakes.openai.replies.text("Hello from OpenAI"));
      const answer = await openai.chat.completions.create({ model: "azure-first", messages });
      expect(answer.choices[0]?.message.content).toBe("Hello from OpenAI");
      expect(answer.model).toBe("gpt-4.1");
      expect(azure.chatCalls()).toHaveLength(1);
      azure.server.reset();
      harness.fakes.openai.server.reset();
    }
  });

  it("MCP one answer, then streamed with progress", async () => {
    azure.enqueueChat(azure.replies.text("Salut", { inputTokens: 7, outputTokens: 1 }));
    const once = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model_group: "azure-only",
      messages,
    });
    expect(once.isError).toBe(false);
    expect(once.structured).toMatchObject({
      content: "Salut",
      provider: "azure",
      model: "azure-gpt-4o",
      usage: { input_tokens: 7, output_tokens: 1 },
    });

    azure.enqueueChat(azure.replies.stream(["Sa", "lut"], { usage: { inputTokens: 7, outputTokens: 2 } }));
    const progress: string[] = [];
    const streamed = await client.callTool(
      {
        name: "chat_completion",
        arguments: { ...caller, model_group: "azure-only", messages, stream: true },
      },
      { onprogress: (update) => progress.push(update.message ?? "") },
    );
    expect(progress.slice(1)).toEqual(["Sa", "lut"]);
    expect(streamed.structuredContent).toMatchObject({ content: "Salut", usage: { output_tokens: 2 } });
  });

  it("MCP: a key the resource refuses (401) fails over to the next entry, the key in no error", async () => {
    const { isError, structured, text } = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model_group: "misconfigured-first",
      messages,
    });
    expect(isError).toBe(false);
    expect(structured.attempts.map((attempt) => [attempt.provider, attempt.outcome])).toEqual([
      ["azure-wrong", expect.not.stringMatching(/^success$/)],
      ["azure", "success"],
    ]);
    expect(structured.attempts[0]?.error).toContain("Access denied");
    // Logged loudly: an error naming the deployment and what to check.
    const logged = harness.logs.find((line) => String(line.msg).includes("Access denied"));
    expect(logged).toMatchObject({ level: 50, kind: "misconfigured", status: 401 });
    expect(String(logged?.msg)).toContain("looks misconfigured");
    expect(JSON.stringify(structured) + text).not.toContain(wrongKey);
  });

  it("MCP content filter: a tool error naming the category", async () => {
    azure.enqueueChat(azureContentFilterError("hate", "high"));
    const { isError, text } = await callTool(client, "chat_completion", {
      ...caller,
      model_group: "azure-only",
      messages,
    });
    expect(isError).toBe(true);
    expect(text).toContain("hate filtered at severity high");
  });

  it("an Entra ID token goes as a bearer token, never as api-key", async () => {
    const answer = await openai.chat.completions.create({ model: "entra-gpt-4o", messages });
    expect(answer.choices[0]?.message.content).toBe("Hello from fake gpt-4o");
    const [call] = azure.chatCalls();
    expect(call?.headers.authorization).toBe(`Bearer ${entraToken}`);
    expect(call?.headers["api-key"]).toBeUndefined();
  });

  it("an Entra ID app: the gateway fetches a token from the authority and keeps it", async () => {
    for (const _call of [1, 2]) {
      const answer = await openai.chat.completions.create({ model: "app-gpt-4o", messages });
      expect(answer.choices[0]?.message.content).toBe("Hello from fake gpt-4o");
    }
    const [first, second] = azure.chatCalls().map((call) => call.headers.authorization);
    expect(first).toMatch(/^Bearer eyJ/);
    expect(second).toBe(first);
    expect(authority.tokenCalls()).toHaveLength(1);
  });

  it("the v1 API: /openai/v1 without api-version, the deployment as model", async () => {
    const answer = await openai.chat.completions.create({ model: "v1-gpt-4o", messages, stream: true });
    let text = "";
    for await (const chunk of answer) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Hello from fake gpt-4o");
    const [call] = azure.chatCalls();
    expect(call?.path).toBe("/openai/v1/chat/completions");
    expect(call?.query.has("api-version")).toBe(false);
    expect(call?.body).toMatchObject({ model: "gpt-4o" });
  });

  it("the Responses door passes natively to Azure's Responses API (v1), one answer and streamed", async () => {
    const once = await openai.responses.create({ model: "v1-gpt-4o", input: "Say hello" });
    expect(once.output_text).toContain("Hello");
    const stream = openai.responses.stream({ model: "v1-gpt-4o", input: "Say hello" });
    let text = "";
    for await (const event of stream) if (event.type === "response.output_text.delta") text += event.delta;
    expect(text).toContain("Hello");
    const calls = azure.server.callsTo("/openai/v1/responses");
    expect(calls).toHaveLength(2);
    expect(calls[0]?.headers["api-key"]).toBe(azureFakeApiKey);
    expect(calls[0]?.body).toMatchObject({ model: "gpt-4o", input: "Say hello", stream: true });
    // A dated GA version has no Responses API: the same request is translated onto Chat Completions.
    const translated = await openai.responses.create({ model: "azure-gpt-4o", input: "Say hello" });
    expect(translated.output_text).toBe("Hello from fake gpt-4o");
    expect(azure.server.callsTo("/openai/v1/responses")).toHaveLength(2);
    expect(azure.chatCalls()[0]?.path).toBe("/openai/deployments/gpt-4o/chat/completions");
  });

  it("an api-version before 2024-09-01 streams without stream_options, which it refuses", async () => {
    const answer = await openai.chat.completions.create({ model: "june-gpt-4o", messages });
    expect(answer.choices[0]?.message.content).toBe("Hello from fake gpt-4o");
    const [call] = azure.chatCalls();
    expect(call?.query.get("api-version")).toBe("2024-06-01");
    expect(call?.body).toMatchObject({ stream: true });
    expect(call?.body).not.toHaveProperty("stream_options");
    // No usage on the stream: the gateway counts the tokens itself.
    expect(answer.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("embeddings through both doors on the embedding deployment", async () => {
    const viaV1 = await openai.embeddings.create({ model: "azure-embedding", input: ["a", "b"] });
    expect(viaV1.data).toHaveLength(2);
    expect(viaV1.data[0]?.embedding).toHaveLength(3072);
    const viaMcp = await callTool<{ embeddings: number[][] }>(client, "create_embeddings", {
      ...caller,
      model_group: "azure-embedding",
      input: "hello",
    });
    expect(viaMcp.isError).toBe(false);
    const calls = azure.embeddingCalls?.() ?? [];
    expect(calls.map((call) => call.path)).toEqual([
      "/openai/deployments/text-embedding-3-large/embeddings",
      "/openai/deployments/text-embedding-3-large/embeddings",
    ]);
    expect(calls[0]?.query.get("api-version")).toBe("2024-10-21");
  });
});
