import type { Client } from "@modelcontextprotocol/client";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FakeProvider } from "../../src/fakes/fake-provider.js";
import { createFakeMistral } from "../../src/fakes/mistral/fake-mistral.js";
import type { ChatResult } from "../../src/gateway/chat-types.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";
import { openAiClientFor } from "../helpers/sdk-clients.js";

/**
 * Mistral through both doors: `mistral-first` is Mistral, then gpt-4.1, so a
 * failing Mistral fails over to OpenAI; `mistral-only` has no fallback, so
 * Mistral's own errors reach the caller.
 */
const configYaml = (mistralUrl: string) => `
providers:
  mistral: { kind: mistral, base_url: "${mistralUrl}" }
models:
  mistral-small:
    provider: mistral
    provider_model_id: mistral-small-latest
    context_window: 128000
    max_output_tokens: 8192
    price_per_mtok: { input: 0.1, output: 0.3, cached_input: 0.01 }
  mistral-embed:
    kind: embedding
    provider: mistral
    provider_model_id: mistral-embed
    context_window: 8192
    max_output_tokens: 0
    price_per_mtok: { input: 0.1, output: 0 }
model_groups:
  mistral-first: [mistral-small, gpt-4.1]
  mistral-only: [mistral-small]
  mistral-embedding: [mistral-embed]
`;

const caller = { project_id: "proj-mistral", agent_id: "agent-m" };
const messages = [{ role: "user" as const, content: "Say hello" }];

describe("Mistral through /v1 and MCP", () => {
  let harness: Harness;
  let mistral: FakeProvider;
  let client: Client;
  let openai: OpenAI;
  beforeAll(async () => {
    mistral = await createFakeMistral();
    harness = await startHarness({
      configYaml: configYaml(mistral.baseUrl),
      env: { LLM_GATEWAY_MAX_RETRIES: "0", MISTRAL_API_KEY: "mistral-fake-key-0006-do-not-log" },
    });
    client = await connectMcp(harness.url);
    openai = openAiClientFor(harness.url, caller);
  });
  afterEach(() => {
    for (const fake of [...Object.values(harness.fakes), mistral]) fake.server.reset();
  });
  afterAll(async () => {
    await client.close();
    await harness.close();
    await mistral.close();
  });

  it("/v1 one answer: Mistral answers with its key, usage and cost booked", async () => {
    mistral.enqueueChat(
      mistral.replies.text("Bonjour", { inputTokens: 1000, outputTokens: 100, cachedInputTokens: 400 }),
    );
    const answer = await openai.chat.completions.create({ model: "mistral-only", messages });
    expect(answer.choices[0]?.message.content).toBe("Bonjour");
    expect(answer.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 100 });
    expect(answer.usage?.prompt_tokens_details?.cached_tokens).toBe(400);
    const [call] = mistral.chatCalls();
    expect(call?.headers.authorization).toBe("Bearer mistral-fake-key-0006-do-not-log");
    expect(call?.body).toMatchObject({ model: "mistral-small-latest" });
  });

  it("/v1 streamed: the deltas and the usage of Mistral's last chunk", async () => {
    mistral.enqueueChat(
      mistral.replies.stream(["Bon", "jour"], { usage: { inputTokens: 9, outputTokens: 2 } }),
    );
    const stream = await openai.chat.completions.create({
      model: "mistral-only",
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
    expect(text).toBe("Bonjour");
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 2 });
    expect(mistral.chatCalls()[0]?.body).not.toHaveProperty("stream_options");
  });

  it("/v1 tool calls round-trip with ids Mistral accepts", async () => {
    mistral.enqueueChat(mistral.replies.toolCall("get_weather", '{"city":"Paris"}'));
    const weather = {
      type: "function" as const,
      function: {
        name: "get_weather",
        parameters: { type: "object", properties: { city: { type: "string" } } },
      },
    };
    const first = await openai.chat.completions.create({ model: "mistral-only", messages, tools: [weather] });
    const toolCall = first.choices[0]?.message.tool_calls?.[0];
    expect(toolCall).toMatchObject({ id: "D681PevKs", function: { name: "get_weather" } });
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    // A tool call id another provider made (a conversation that failed over) still goes through.
    const second = await openai.chat.completions.create({
      model: "mistral-only",
      tools: [weather],
      messages: [
        ...messages,
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "call_abc123XYZ_from_openai",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_abc123XYZ_from_openai", content: "18 °C" },
      ],
    });
    expect(second.choices[0]?.message.content).toBe("Hello from fake mistral-small-latest");
  });

  it("/v1 error envelope: Mistral's 400 reaches the caller in OpenAI's envelope, naming Mistral's message", async () => {
    mistral.enqueueChat(
      mistral.replies.error(
        400,
        "Prompt contains 40000 tokens, too large for model with 32768 maximum context length",
      ),
    );
    const refused = await openai.chat.completions
      .create({ model: "mistral-only", messages })
      .catch((error) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).message).toContain(
      "too large for model with 32768 maximum context length",
    );
    expect(harness.fakes.openai.chatCalls()).toHaveLength(0);
  });

  it("/v1 failover: Mistral 503 -> the next chain entry answers", async () => {
    mistral.enqueueChat(mistral.replies.error(503, "Service unavailable"));
    harness.fakes.openai.enqueueChat(harness.fakes.openai.replies.text("Hello from OpenAI"));
    const answer = await openai.chat.completions.create({ model: "mistral-first", messages });
    expect(answer.choices[0]?.message.content).toBe("Hello from OpenAI");
    expect(answer.model).toBe("gpt-4.1");
    expect(mistral.chatCalls()).toHaveLength(1);
  });

  it("MCP one answer, then streamed with progress", async () => {
    mistral.enqueueChat(mistral.replies.text("Salut", { inputTokens: 7, outputTokens: 1 }));
    const once = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model_group: "mistral-only",
      messages,
    });
    expect(once.isError).toBe(false);
    expect(once.structured).toMatchObject({
      content: "Salut",
      provider: "mistral",
      model: "mistral-small",
      usage: { input_tokens: 7, output_tokens: 1 },
    });

    mistral.enqueueChat(
      mistral.replies.stream(["Sa", "lut"], { usage: { inputTokens: 7, outputTokens: 2 } }),
    );
    const progress: string[] = [];
    const streamed = await client.callTool(
      {
        name: "chat_completion",
        arguments: { ...caller, model_group: "mistral-only", messages, stream: true },
      },
      { onprogress: (update) => progress.push(update.message ?? "") },
    );
    expect(progress.slice(1)).toEqual(["Sa", "lut"]);
    expect(streamed.structuredContent).toMatchObject({ content: "Salut", usage: { output_tokens: 2 } });
  });

  it("MCP failover: a Mistral stream that fails before its first token -> the next chain entry", async () => {
    mistral.enqueueChat(mistral.replies.streamError([]));
    harness.fakes.openai.enqueueChat(harness.fakes.openai.replies.text("Hello from OpenAI"));
    const { isError, structured } = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model_group: "mistral-first",
      messages,
    });
    expect(isError).toBe(false);
    expect(structured).toMatchObject({ provider: "openai", content: "Hello from OpenAI" });
    expect(structured.attempts.map((attempt) => [attempt.provider, attempt.outcome])).toEqual([
      ["mistral", expect.not.stringMatching(/^success$/)],
      ["openai", "success"],
    ]);
  });

  it("MCP error: Mistral's 422 is a tool error naming the field", async () => {
    mistral.enqueueChat({
      type: "json",
      status: 422,
      body: {
        object: "error",
        message: {
          detail: [
            {
              type: "extra_forbidden",
              loc: ["body", "foo"],
              msg: "Extra inputs are not permitted",
              input: 1,
            },
          ],
        },
        type: "invalid_request_error",
        param: null,
        code: null,
      },
    });
    const { isError, text } = await callTool(client, "chat_completion", {
      ...caller,
      model_group: "mistral-only",
      messages,
    });
    expect(isError).toBe(true);
    expect(text).toContain("foo: Extra inputs are not permitted");
  });

  it("embeddings through both doors with mistral-embed", async () => {
    const viaV1 = await openai.embeddings.create({ model: "mistral-embedding", input: ["a", "b"] });
    expect(viaV1.data).toHaveLength(2);
    expect(viaV1.data[0]?.embedding).toHaveLength(1024);
    const viaMcp = await callTool<{ embeddings: number[][] }>(client, "create_embeddings", {
      ...caller,
      model_group: "mistral-embedding",
      input: "hello",
    });
    expect(viaMcp.isError).toBe(false);
    expect(mistral.embeddingCalls?.()).toHaveLength(2);
  });
});
