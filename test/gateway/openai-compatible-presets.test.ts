import type { Client } from "@modelcontextprotocol/client";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FakeProvider } from "../../src/fakes/fake-provider.js";
import {
  createFakePresetHost,
  type FakePresetKind,
} from "../../src/fakes/openai/fake-openai-compatible-presets.js";
import type { ChatResult } from "../../src/gateway/chat-types.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";
import { openAiClientFor } from "../helpers/sdk-clients.js";

const kinds = ["groq", "xai", "openrouter", "ollama"] as const satisfies readonly FakePresetKind[];

const model = (name: string, provider: string, id: string) => `
  ${name}:
    provider: ${provider}
    provider_model_id: ${id}
    context_window: 128000
    max_output_tokens: 8192
    price_per_mtok: { input: 0.5, output: 1 }`;

/** Each preset at its fake host through `*_BASE_URL`, as a deployment overrides the public URL. */
const configYaml = `
providers:
  groq: {}
  xai: {}
  openrouter: { app_url: "https://agents.example.com", app_title: "Example agents" }
  ollama: {}
models:${model("llama-70b", "groq", "llama-3.3-70b-versatile")}${model("grok-4", "xai", "grok-4")}${model(
  "router-model",
  "openrouter",
  "anthropic/claude-sonnet-4",
)}${model("qwen-local", "ollama", "qwen3:8b")}
  nomic:
    kind: embedding
    provider: ollama
    provider_model_id: nomic-embed-text
    context_window: 8192
    max_output_tokens: 0
    price_per_mtok: { input: 0, output: 0 }
model_groups:
  grok-first: [grok-4, gpt-4.1]
  local-embedding: [nomic]
`;

const caller = { project_id: "proj-presets", agent_id: "agent-p" };
const messages = [{ role: "user" as const, content: "Say hello" }];

describe("presets of the OpenAI-compatible adapter, through both doors", () => {
  let harness: Harness;
  let hosts: Record<(typeof kinds)[number], FakeProvider>;
  let client: Client;
  let openai: OpenAI;
  beforeAll(async () => {
    hosts = Object.fromEntries(
      await Promise.all(kinds.map(async (kind) => [kind, await createFakePresetHost(kind)] as const)),
    ) as typeof hosts;
    harness = await startHarness({
      configYaml,
      env: {
        LLM_GATEWAY_MAX_RETRIES: "0",
        GROQ_API_KEY: "gsk-fake-key-0007-do-not-log",
        XAI_API_KEY: "xai-fake-key-0008-do-not-log",
        OPENROUTER_API_KEY: "sk-or-fake-key-0009-do-not-log",
        GROQ_BASE_URL: hosts.groq.baseUrl,
        XAI_BASE_URL: hosts.xai.baseUrl,
        OPENROUTER_BASE_URL: hosts.openrouter.baseUrl,
        OLLAMA_BASE_URL: hosts.ollama.baseUrl,
      },
    });
    client = await connectMcp(harness.url);
    openai = openAiClientFor(harness.url, caller);
  });
  afterEach(() => {
    for (const fake of [...Object.values(harness.fakes), ...Object.values(hosts)]) fake.server.reset();
  });
  afterAll(async () => {
    await client.close();
    await harness.close();
    await Promise.all(Object.values(hosts).map((host) => host.close()));
  });

  it("Groq: its key from GROQ_API_KEY, speaker names left out (Groq answers 400 to them)", async () => {
    const answer = await openai.chat.completions.create({
      model: "llama-70b",
      messages: [{ role: "user", content: "Say hello", name: "alice" }],
    });
    expect(answer.choices[0]?.message.content).toBe("Hello from fake llama-3.3-70b-versatile");
    const [call] = hosts.groq.chatCalls();
    expect(call?.path).toBe("/openai/v1/chat/completions");
    expect(call?.headers.authorization).toBe("Bearer gsk-fake-key-0007-do-not-log");
    expect(JSON.stringify(call?.body)).not.toContain("alice");
  });

  it("Groq: a parameter Groq refuses is refused up front, naming it", async () => {
    const refused = await openai.chat.completions
      .create({ model: "llama-70b", messages, logprobs: true })
      .catch((error) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("logprobs");
    expect(hosts.groq.chatCalls()).toHaveLength(0);
  });

  it("Groq: the usage of a stream that reports it only in x_groq is booked", async () => {
    const chunk = (delta: unknown, finish: string | null, extra: Record<string, unknown> = {}) => ({
      data: JSON.stringify({
        id: "chatcmpl-groq",
        object: "chat.completion.chunk",
        created: 1,
        model: "llama-3.3-70b-versatile",
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        ...extra,
      }),
    });
    hosts.groq.enqueueChat({
      type: "sse",
      events: [
        chunk({ role: "assistant", content: "" }, null, { x_groq: { id: "req_01" } }),
        chunk({ content: "Hi" }, null),
        chunk({}, "stop", {
          x_groq: { id: "req_01", usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 } },
        }),
        { data: "[DONE]" },
      ],
    });
    const { structured } = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model: "llama-70b",
      messages,
    });
    expect(structured).toMatchObject({ content: "Hi", usage: { input_tokens: 11, output_tokens: 3 } });
  });

  it("xAI: a reasoning model that refuses `stop` is skipped, the next chain entry answers", async () => {
    const answer = await openai.chat.completions.create({ model: "grok-first", messages, stop: ["END"] });
    expect(answer.model).toBe("gpt-4.1");
    expect(hosts.xai.chatCalls()).toHaveLength(0);
    const plain = await openai.chat.completions.create({ model: "grok-first", messages });
    expect(plain.model).toBe("grok-4");
    expect(hosts.xai.chatCalls()[0]?.headers.authorization).toBe("Bearer xai-fake-key-0008-do-not-log");
  });

  it("OpenRouter: the attribution headers and key go with every request", async () => {
    const { structured } = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model: "router-model",
      messages,
    });
    expect(structured.provider).toBe("openrouter");
    const [call] = hosts.openrouter.chatCalls();
    expect(call?.path).toBe("/api/v1/chat/completions");
    expect(call?.headers).toMatchObject({
      authorization: "Bearer sk-or-fake-key-0009-do-not-log",
      "http-referer": "https://agents.example.com",
      "x-openrouter-title": "Example agents",
      "x-title": "Example agents",
    });
  });

  it("OpenRouter: reasoning it names `reasoning` comes back as reasoning_content", async () => {
    const chunk = (delta: unknown, finish: string | null = null) => ({
      data: JSON.stringify({
        id: "gen-1",
        object: "chat.completion.chunk",
        created: 1,
        model: "anthropic/claude-sonnet-4",
        choices: [{ index: 0, delta, finish_reason: finish }],
      }),
    });
    hosts.openrouter.enqueueChat({
      type: "sse",
      events: [
        chunk({ role: "assistant", content: "", reasoning: "They greet; " }),
        chunk({ content: "", reasoning: "greet back." }),
        chunk({ content: "Hello" }),
        chunk({}, "stop"),
        { data: "[DONE]" },
      ],
    });
    const { structured } = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model: "router-model",
      messages,
    });
    expect(structured).toMatchObject({ content: "Hello", reasoning_content: "They greet; greet back." });
  });

  it("Ollama: embeddings at its /v1/embeddings, without a key", async () => {
    const result = await openai.embeddings.create({ model: "local-embedding", input: ["a", "b"] });
    expect(result.data).toHaveLength(2);
    expect(hosts.ollama.embeddingCalls?.()[0]?.path).toBe("/v1/embeddings");
    expect(hosts.ollama.embeddingCalls?.()[0]?.headers.authorization).toBeUndefined();
  });

  it("Ollama: local, no key and no Authorization header", async () => {
    const answer = await openai.chat.completions.create({ model: "qwen-local", messages, stream: true });
    let text = "";
    for await (const chunk of answer) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Hello from fake qwen3:8b");
    expect(hosts.ollama.chatCalls()[0]?.headers.authorization).toBeUndefined();
  });
});
