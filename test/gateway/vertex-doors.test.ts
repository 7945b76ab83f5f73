import type Anthropic from "@anthropic-ai/sdk";
import type { Client } from "@modelcontextprotocol/client";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createFakeVertex, type FakeVertex } from "../../src/fakes/vertex/fake-vertex.js";
import type { ChatResult } from "../../src/gateway/chat-types.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";
import { anthropicClientFor, openAiClientFor } from "../helpers/sdk-clients.js";
import { registerTestSecrets } from "../helpers/test-log-files.js";

/**
 * Gemini and Claude on Vertex AI through both doors. `*-vertex-first` is the
 * Vertex model, then gpt-4.1, so a failing Vertex fails over to OpenAI;
 * `*-vertex-only` has no fallback, so Vertex's own errors reach the caller.
 * The project comes from the service account's key file. Providers are
 * asked to stream only when the caller streams, so both Vertex methods of
 * each publisher are called.
 */
const configYaml = (vertex: FakeVertex) => `
server:
  provider_streaming: as_requested
providers:
  vertex: { kind: vertex, base_url: "${vertex.baseUrl}", location: ${vertex.location}, credentials_file: "${vertex.account.credentialsFile}" }
  vertex-claude: { kind: vertex-anthropic, base_url: "${vertex.baseUrl}", location: ${vertex.location}, credentials_file: "${vertex.account.credentialsFile}" }
models:
  gemini-vertex:
    provider: vertex
    provider_model_id: gemini-2.5-flash
    context_window: 1048576
    max_output_tokens: 65536
    price_per_mtok: { input: 0.3, output: 2.5, cached_input: 0.03 }
  claude-vertex:
    provider: vertex-claude
    provider_model_id: claude-sonnet-4@20250514
    context_window: 200000
    max_output_tokens: 64000
    price_per_mtok: { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75 }
  text-embedding-vertex:
    kind: embedding
    provider: vertex
    provider_model_id: text-embedding-005
    context_window: 2048
    max_output_tokens: 0
    price_per_mtok: { input: 0.025, output: 0 }
model_groups:
  vertex-embedding: [text-embedding-vertex]
  gemini-vertex-first: [gemini-vertex, gpt-4.1]
  gemini-vertex-only: [gemini-vertex]
  claude-vertex-first: [claude-vertex, gpt-4.1]
  claude-vertex-only: [claude-vertex]
`;

const caller = { project_id: "proj-vertex", agent_id: "agent-v" };
const messages = [{ role: "user" as const, content: "Say hello" }];
const weather = {
  type: "function" as const,
  function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
};

describe("Vertex AI (Gemini and Claude) through /v1, /v1/messages and MCP", () => {
  let harness: Harness;
  let vertex: FakeVertex;
  let client: Client;
  let openai: OpenAI;
  let anthropic: Anthropic;
  beforeAll(async () => {
    vertex = await createFakeVertex();
    registerTestSecrets("vertex-doors", { VERTEX_PRIVATE_KEY: vertex.account.privateKeyPem });
    harness = await startHarness({ configYaml: configYaml(vertex), env: { LLM_GATEWAY_MAX_RETRIES: "0" } });
    client = await connectMcp(harness.url);
    openai = openAiClientFor(harness.url, caller);
    anthropic = anthropicClientFor(harness.url, caller);
  });
  afterEach(() => {
    for (const fake of [...Object.values(harness.fakes), vertex.gemini, vertex.claude]) fake.server.reset();
    vertex.oauth.tokenLifetimeSeconds = 3600;
  });
  afterAll(async () => {
    await client.close();
    await harness.close();
    await vertex.close();
  });

  const geminiPath = (method: string) =>
    `/v1/projects/fake-project/locations/${vertex.location}/publishers/google/models/gemini-2.5-flash:${method}`;
  const claudePath = (method: string) =>
    `/v1/projects/fake-project/locations/${vertex.location}/publishers/anthropic/models/claude-sonnet-4@20250514:${method}`;

  it("tokens: cached while valid, fetched again once expiring", async () => {
    // First in the file: each adapter's first token is the one this test shapes.
    await openai.chat.completions.create({ model: "gemini-vertex-only", messages });
    const cached = vertex.oauth.tokensIssued;
    await openai.chat.completions.create({ model: "gemini-vertex-only", messages });
    expect(vertex.oauth.tokensIssued).toBe(cached);

    // Tokens living one second: each is inside the library's refresh margin, and expired at the fake a second later.
    vertex.oauth.tokenLifetimeSeconds = 1;
    await openai.chat.completions.create({ model: "claude-vertex-only", messages });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const answer = await openai.chat.completions.create({ model: "claude-vertex-only", messages });
    expect(answer.choices[0]?.message.content).toBe("Hello from fake claude-sonnet-4@20250514");
    expect(vertex.oauth.tokensIssued).toBe(cached + 2);
  });

  it("/v1 Gemini one answer: at the project's publisher model, with a bearer token, usage booked", async () => {
    vertex.gemini.enqueueChat(vertex.gemini.replies.text("Hallo", { inputTokens: 1000, outputTokens: 100 }));
    const answer = await openai.chat.completions.create({ model: "gemini-vertex-only", messages });
    expect(answer.choices[0]?.message.content).toBe("Hallo");
    expect(answer.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 100 });
    const call = vertex.calls("google").at(-1);
    expect(call?.path).toBe(geminiPath("generateContent"));
    expect(call?.headers.authorization).toMatch(/^Bearer ya29\.fake-/);
    expect(call?.headers).not.toHaveProperty("x-goog-api-key");
  });

  it("/v1 Gemini streamed: the deltas and the usage, from streamGenerateContent?alt=sse", async () => {
    vertex.gemini.enqueueChat(
      vertex.gemini.replies.stream(["Hal", "lo"], { usage: { inputTokens: 9, outputTokens: 2 } }),
    );
    const stream = await openai.chat.completions.create({
      model: "gemini-vertex-only",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe("Hallo");
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 2 });
    const call = vertex.calls("google").at(-1);
    expect(call?.path).toBe(geminiPath("streamGenerateContent"));
    expect(call?.query.get("alt")).toBe("sse");
  });

  it("/v1 Claude one answer and streamed: rawPredict and streamRawPredict, model in the URL, version in the body", async () => {
    vertex.claude.enqueueChat(vertex.claude.replies.text("Bonjour", { inputTokens: 20, outputTokens: 3 }));
    const once = await openai.chat.completions.create({ model: "claude-vertex-only", messages });
    expect(once.choices[0]?.message.content).toBe("Bonjour");
    expect(once.usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 3 });
    const call = vertex.calls("anthropic").at(-1);
    expect(call?.path).toBe(claudePath("rawPredict"));
    expect(call?.body).toMatchObject({
      anthropic_version: "vertex-2023-10-16",
      max_tokens: expect.any(Number),
    });
    expect(call?.body).not.toHaveProperty("model");
    expect(call?.headers).not.toHaveProperty("anthropic-version");
    expect(call?.headers).not.toHaveProperty("x-api-key");

    vertex.claude.enqueueChat(
      vertex.claude.replies.stream(["Bon", "jour"], { usage: { inputTokens: 20, outputTokens: 2 } }),
    );
    const stream = await openai.chat.completions.create({
      model: "claude-vertex-only",
      messages,
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Bonjour");
    expect(vertex.calls("anthropic").at(-1)?.path).toBe(claudePath("streamRawPredict"));
  });

  it("/v1 tool calls from Gemini and from Claude on Vertex", async () => {
    vertex.gemini.enqueueChat(vertex.gemini.replies.toolCall("get_weather", '{"city":"Paris"}'));
    const gemini = await openai.chat.completions.create({
      model: "gemini-vertex-only",
      messages,
      tools: [weather],
    });
    expect(gemini.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      type: "function",
      function: { name: "get_weather", arguments: '{"city":"Paris"}' },
    });
    expect(vertex.calls("google").at(-1)?.body).toMatchObject({
      tools: [{ functionDeclarations: [{ name: "get_weather" }] }],
    });

    vertex.claude.enqueueChat(vertex.claude.replies.toolCall("get_weather", '{"city":"Lyon"}'));
    const claude = await openai.chat.completions.create({
      model: "claude-vertex-only",
      messages,
      tools: [weather],
    });
    expect(claude.choices[0]?.finish_reason).toBe("tool_calls");
    expect(claude.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      function: {
        name: "get_weather",
        arguments: '{"city":"Lyon"}',
      },
    });
  });

  it("/v1 400: Vertex's refusal reaches the caller, nothing fails over", async () => {
    vertex.gemini.enqueueChat(vertex.gemini.replies.error(400, "Request contains an invalid argument."));
    const gemini = await openai.chat.completions
      .create({ model: "gemini-vertex-first", messages })
      .catch((error: unknown) => error);
    expect(gemini).toBeInstanceOf(OpenAI.BadRequestError);
    expect((gemini as Error).message).toContain("INVALID_ARGUMENT: Request contains an invalid argument.");

    vertex.claude.enqueueChat(vertex.claude.replies.error(400, "messages: at least one message is required"));
    const claude = await openai.chat.completions
      .create({ model: "claude-vertex-first", messages })
      .catch((error: unknown) => error);
    expect(claude).toBeInstanceOf(OpenAI.BadRequestError);
    expect((claude as Error).message).toContain("messages: at least one message is required");
    expect(harness.fakes.openai.chatCalls()).toHaveLength(0);
  });

  it("/v1 failover: Gemini 429 and Claude 503 on Vertex (Google's envelope) -> the next chain entry", async () => {
    vertex.gemini.enqueueChat(
      vertex.gemini.replies.error(429, "Resource exhausted. Please try again later."),
    );
    vertex.claude.enqueueChat({
      type: "json",
      status: 503,
      body: { error: { code: 503, message: "The service is currently unavailable.", status: "UNAVAILABLE" } },
    });
    harness.fakes.openai.enqueueChat(
      harness.fakes.openai.replies.text("Hello from OpenAI"),
      harness.fakes.openai.replies.text("Hello again from OpenAI"),
    );
    const fromGemini = await openai.chat.completions.create({ model: "gemini-vertex-first", messages });
    expect(fromGemini.model).toBe("gpt-4.1");
    const fromClaude = await openai.chat.completions.create({ model: "claude-vertex-first", messages });
    expect(fromClaude.choices[0]?.message.content).toBe("Hello again from OpenAI");
    const logged = JSON.stringify(harness.logs);
    expect(logged).toContain("UNAVAILABLE: The service is currently unavailable.");
  });

  it("/v1/messages: Claude on Vertex takes the Messages door's request whole, streamed and not", async () => {
    vertex.claude.enqueueChat(
      vertex.claude.replies.text("Native hello", { inputTokens: 11, outputTokens: 2 }),
    );
    const message = await anthropic.messages.create({
      model: "claude-vertex-only",
      max_tokens: 50,
      messages: [{ role: "user", content: "Say hello" }],
      stop_sequences: ["END"],
    });
    expect(message.content).toEqual([{ type: "text", text: "Native hello" }]);
    const call = vertex.calls("anthropic").at(-1);
    expect(call?.path).toBe(claudePath("rawPredict"));
    expect(call?.body).toMatchObject({
      anthropic_version: "vertex-2023-10-16",
      stop_sequences: ["END"],
      max_tokens: 50,
    });
    expect(call?.body).not.toHaveProperty("model");

    const stream = anthropic.messages.stream({
      model: "claude-vertex-only",
      max_tokens: 50,
      messages: [{ role: "user", content: "Say hello" }],
    });
    const streamed = await stream.finalMessage();
    expect(streamed.content).toEqual([{ type: "text", text: "Hello from fake claude-sonnet-4@20250514" }]);
    expect(vertex.calls("anthropic").at(-1)?.path).toBe(claudePath("streamRawPredict"));
  });

  it("MCP one answer and streamed with progress, Gemini and Claude on Vertex", async () => {
    vertex.gemini.enqueueChat(vertex.gemini.replies.text("Salut", { inputTokens: 7, outputTokens: 1 }));
    const once = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model_group: "gemini-vertex-only",
      messages,
    });
    expect(once.isError).toBe(false);
    expect(once.structured).toMatchObject({
      content: "Salut",
      provider: "vertex",
      model: "gemini-vertex",
      usage: { input_tokens: 7, output_tokens: 1 },
    });

    vertex.claude.enqueueChat(
      vertex.claude.replies.stream(["Sa", "lut"], { usage: { inputTokens: 7, outputTokens: 2 } }),
    );
    const progress: string[] = [];
    const streamed = await client.callTool(
      {
        name: "chat_completion",
        arguments: { ...caller, model_group: "claude-vertex-only", messages, stream: true },
      },
      { onprogress: (update) => progress.push(update.message ?? "") },
    );
    expect(progress.slice(1)).toEqual(["Sa", "lut"]);
    expect(streamed.structuredContent).toMatchObject({
      content: "Salut",
      provider: "vertex-claude",
      usage: { output_tokens: 2 },
    });
  });

  it("MCP failover: Vertex answers 401 (a revoked credential) -> the next chain entry, logged", async () => {
    vertex.claude.enqueueChat({
      type: "json",
      status: 401,
      body: {
        error: {
          code: 401,
          message: "Request had invalid authentication credentials.",
          status: "UNAUTHENTICATED",
        },
      },
    });
    harness.fakes.openai.enqueueChat(harness.fakes.openai.replies.text("Hello from OpenAI"));
    const { isError, structured } = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model_group: "claude-vertex-first",
      messages,
    });
    expect(isError).toBe(false);
    expect(structured.attempts.map((attempt) => [attempt.provider, attempt.outcome])).toEqual([
      ["vertex-claude", expect.not.stringMatching(/^success$/)],
      ["openai", "success"],
    ]);
    expect(JSON.stringify(harness.logs)).toContain(
      "UNAUTHENTICATED: Request had invalid authentication credentials.",
    );
  });

  it("embeddings through both doors with predict, usage from Vertex's token counts", async () => {
    const viaV1 = await openai.embeddings.create({
      model: "vertex-embedding",
      input: ["hello there", "vertex"],
      dimensions: 256,
    });
    expect(viaV1.data).toHaveLength(2);
    expect(viaV1.data[0]?.embedding).toHaveLength(256);
    expect(viaV1.usage.prompt_tokens).toBe(5);
    const call = vertex.calls("google").at(-1);
    expect(call?.path).toMatch(/publishers\/google\/models\/text-embedding-005:predict$/);
    expect(call?.body).toEqual({
      instances: [{ content: "hello there" }, { content: "vertex" }],
      parameters: { outputDimensionality: 256 },
    });
    const viaMcp = await callTool<{ embeddings: number[][] }>(client, "create_embeddings", {
      ...caller,
      model_group: "vertex-embedding",
      input: "hello",
    });
    expect(viaMcp.isError).toBe(false);
    expect(viaMcp.structured.embeddings[0]).toHaveLength(768);
  });

  it("/v1/messages/count_tokens: counted by Vertex itself, Claude at count-tokens:rawPredict", async () => {
    const counted = await anthropic.messages.countTokens({
      model: "claude-vertex-only",
      messages: [{ role: "user", content: "Say hello" }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
    const call = vertex.calls("anthropic").at(-1);
    expect(call?.path).toBe(
      `/v1/projects/fake-project/locations/${vertex.location}/publishers/anthropic/models/count-tokens:rawPredict`,
    );
    expect(call?.body).toMatchObject({
      model: "claude-sonnet-4@20250514",
      anthropic_version: "vertex-2023-10-16",
    });
  });

  it("no private key, signed assertion or access token in logs or errors", async () => {
    vertex.gemini.enqueueChat(vertex.gemini.replies.error(400, "bad"));
    const refused = await openai.chat.completions
      .create({ model: "gemini-vertex-only", messages })
      .catch((error: unknown) => error);
    const keyBody = vertex.account.privateKeyPem.split("\n")[1] ?? "";
    const seen = `${JSON.stringify(harness.logs)}\n${JSON.stringify(refused)}\n${String(refused)}`;
    expect(keyBody.length).toBeGreaterThan(20);
    expect(seen).not.toContain(keyBody);
    expect(seen).not.toContain("ya29.fake-");
    expect(seen).not.toMatch(/eyJhbGciOiJSUzI1Ni/);
  });
});
