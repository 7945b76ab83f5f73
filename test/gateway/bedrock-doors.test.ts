import type { Client } from "@modelcontextprotocol/client";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  bedrockModelIdOf,
  createFakeBedrock,
  type FakeBedrock,
} from "../../src/fakes/bedrock/fake-bedrock.js";
import type { ChatResult } from "../../src/gateway/chat-types.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";
import { anthropicClientFor, openAiClientFor } from "../helpers/sdk-clients.js";

/**
 * AWS Bedrock through both doors. `claude-sonnet-4-bedrock` is Claude Sonnet 4
 * through a cross-region inference profile, signed with SigV4 (the fake
 * recomputes every signature); `bedrock-first` fails over to gpt-4.1,
 * `bedrock-only` has no fallback, `sonnet-anywhere` is Anthropic then the same
 * model on Bedrock, `bedrock-bad-key` a Bedrock entry whose API key the fake does not know.
 */
const profileId = "us.anthropic.claude-sonnet-4-20250514-v1:0";
const configYaml = (bedrockUrl: string) => `
providers:
  bedrock: { kind: bedrock, base_url: "${bedrockUrl}", bedrock: { region: us-east-1 } }
  bedrock-wrong-key:
    kind: bedrock
    base_url: "${bedrockUrl}"
    api_key: ABSKbedrock-unknown-key-0009-do-not-log
    bedrock: { region: us-east-1 }
models:
  claude-sonnet-4-bedrock:
    provider: bedrock
    provider_model_id: ${profileId}
    context_window: 200000
    max_output_tokens: 64000
    price_per_mtok: { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75 }
  claude-sonnet-4-bedrock-wrong-key:
    provider: bedrock-wrong-key
    provider_model_id: ${profileId}
    context_window: 200000
    max_output_tokens: 64000
    price_per_mtok: { input: 3, output: 15 }
model_groups:
  bedrock-first: [claude-sonnet-4-bedrock, gpt-4.1]
  bedrock-only: [claude-sonnet-4-bedrock]
  sonnet-anywhere: [claude-sonnet-4, claude-sonnet-4-bedrock]
  bedrock-bad-key: [claude-sonnet-4-bedrock-wrong-key, gpt-4.1]
`;

const accessKeyId = "AKIAFAKEBEDROCK00001";
const secretAccessKey = "bedrock-fake-secret-0001-do-not-log";
const caller = { project_id: "proj-bedrock", agent_id: "agent-b" };
const messages = [{ role: "user" as const, content: "Say hello" }];
const weather = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};
const onePixelPng =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

describe("AWS Bedrock through /v1 and MCP", () => {
  let harness: Harness;
  let bedrock: FakeBedrock;
  let client: Client;
  let openai: OpenAI;
  beforeAll(async () => {
    bedrock = await createFakeBedrock();
    harness = await startHarness({
      configYaml: configYaml(bedrock.baseUrl),
      env: {
        LLM_GATEWAY_MAX_RETRIES: "0",
        // Several tests fail Bedrock on purpose; its circuit stays closed for the next.
        LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "1000",
        AWS_ACCESS_KEY_ID: accessKeyId,
        AWS_SECRET_ACCESS_KEY: secretAccessKey,
      },
    });
    client = await connectMcp(harness.url);
    openai = openAiClientFor(harness.url, caller);
  });
  afterEach(() => {
    for (const fake of [...Object.values(harness.fakes), bedrock]) fake.server.reset();
  });
  afterAll(async () => {
    await client.close();
    await harness.close();
    await bedrock.close();
  });

  it("/v1 one answer: Converse at the inference profile, SigV4-signed, usage with cache reads and writes", async () => {
    bedrock.enqueueChat(
      bedrock.replies.text("Hello from Claude on Bedrock", {
        inputTokens: 1000,
        outputTokens: 100,
        cachedInputTokens: 400,
      }),
    );
    const answer = await openai.chat.completions.create({
      model: "bedrock-only",
      messages: [{ role: "system", content: "Be brief." }, ...messages],
      max_tokens: 300,
      temperature: 0.2,
      stop: ["END"],
    });
    expect(answer.choices[0]?.message.content).toBe("Hello from Claude on Bedrock");
    expect(answer.choices[0]?.finish_reason).toBe("stop");
    expect(answer.model).toBe("claude-sonnet-4-bedrock");
    expect(answer.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100 });
    expect(answer.usage?.prompt_tokens_details?.cached_tokens).toBe(400);
    const [call] = bedrock.chatCalls();
    // The gateway streams from providers even for one answer (provider_streaming: always).
    expect(call?.path).toMatch(
      /^\/model\/us\.anthropic\.claude-sonnet-4-20250514-v1%3A0\/converse(-stream)?$/,
    );
    expect(bedrockModelIdOf(call as NonNullable<typeof call>)).toBe(profileId);
    expect(call?.headers.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${accessKeyId}/\\d{8}/us-east-1/bedrock/aws4_request, SignedHeaders=`,
      ),
    );
    expect(call?.bodyText).not.toContain(secretAccessKey);
    expect(call?.body).toEqual({
      system: [{ text: "Be brief." }],
      messages: [{ role: "user", content: [{ text: "Say hello" }] }],
      inferenceConfig: { maxTokens: 300, temperature: 0.2, stopSequences: ["END"] },
    });
  });

  it("MCP books the exact cost of cache reads and writes at the catalog's prices", async () => {
    bedrock.enqueueChat({
      type: "json",
      body: {
        output: { message: { role: "assistant", content: [{ text: "Cached" }] } },
        stopReason: "end_turn",
        usage: {
          inputTokens: 500,
          outputTokens: 100,
          totalTokens: 1100,
          cacheReadInputTokens: 400,
          cacheWriteInputTokens: 100,
        },
        metrics: { latencyMs: 120 },
      },
    });
    const { isError, structured } = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model_group: "bedrock-only",
      messages,
    });
    expect(isError).toBe(false);
    expect(structured.usage).toEqual({
      input_tokens: 1000,
      output_tokens: 100,
      cached_input_tokens: 400,
      cache_write_tokens: 100,
      total_tokens: 1100,
    });
    // 500 uncached x $3 + 400 read x $0.3 + 100 written x $3.75 + 100 out x $15, per million.
    expect(structured.cost_usd).toBeCloseTo((500 * 3 + 400 * 0.3 + 100 * 3.75 + 100 * 15) / 1e6, 12);
  });

  it("/v1 streamed: ConverseStream's binary event stream becomes deltas and usage", async () => {
    bedrock.enqueueChat(
      bedrock.replies.stream(["Hel", "lo", " there"], { usage: { inputTokens: 9, outputTokens: 3 } }),
    );
    const stream = await openai.chat.completions.create({
      model: "bedrock-only",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const pieces: string[] = [];
    let usage: OpenAI.CompletionUsage | undefined | null;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) pieces.push(chunk.choices[0].delta.content);
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(pieces.join("")).toBe("Hello there");
    expect(finish).toBe("stop");
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 3 });
    expect(bedrock.chatCalls()[0]?.path).toBe(
      "/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/converse-stream",
    );
  });

  for (const stream of [false, true]) {
    it(`/v1 tools${stream ? " streamed" : ""}: a toolUse comes back as a tool call, the result goes back as toolResult`, async () => {
      bedrock.enqueueChat(bedrock.replies.toolCall("get_weather", '{"city":"Paris"}'));
      let toolCall: OpenAI.ChatCompletionMessageToolCall | undefined;
      if (stream) {
        const chunks = await openai.chat.completions.create({
          model: "bedrock-only",
          messages,
          tools: [weather],
          tool_choice: "required",
          stream: true,
        });
        let id = "";
        let name = "";
        let args = "";
        for await (const chunk of chunks) {
          const delta = chunk.choices[0]?.delta.tool_calls?.[0];
          id += delta?.id ?? "";
          name += delta?.function?.name ?? "";
          args += delta?.function?.arguments ?? "";
        }
        toolCall = { id, type: "function", function: { name, arguments: args } };
      } else {
        const first = await openai.chat.completions.create({
          model: "bedrock-only",
          messages,
          tools: [weather],
          tool_choice: "required",
        });
        expect(first.choices[0]?.finish_reason).toBe("tool_calls");
        toolCall = first.choices[0]?.message.tool_calls?.[0];
      }
      expect(toolCall).toMatchObject({
        id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
        function: { name: "get_weather" },
      });
      expect(JSON.parse((toolCall as { function: { arguments: string } }).function.arguments)).toEqual({
        city: "Paris",
      });
      expect(bedrock.chatCalls()[0]?.body).toMatchObject({
        toolConfig: {
          tools: [
            {
              toolSpec: {
                name: "get_weather",
                description: "The weather in a city",
                inputSchema: { json: weather.function.parameters },
              },
            },
          ],
          toolChoice: { any: {} },
        },
      });

      const second = await openai.chat.completions.create({
        model: "bedrock-only",
        tools: [weather],
        messages: [
          ...messages,
          {
            role: "assistant",
            content: null,
            tool_calls: [toolCall as OpenAI.ChatCompletionMessageToolCall],
          },
          { role: "tool", tool_call_id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", content: "18 °C" },
        ],
      });
      expect(second.choices[0]?.message.content).toBe(`Hello from fake Bedrock ${profileId}`);
      expect(bedrock.chatCalls()[1]?.body).toMatchObject({
        messages: [
          { role: "user", content: [{ text: "Say hello" }] },
          {
            role: "assistant",
            content: [
              {
                toolUse: {
                  toolUseId: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
                  name: "get_weather",
                  input: { city: "Paris" },
                },
              },
            ],
          },
          {
            role: "user",
            content: [
              { toolResult: { toolUseId: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", content: [{ text: "18 °C" }] } },
            ],
          },
        ],
      });
    });
  }

  it("/v1 image input: a data: URL goes as an image block with its bytes", async () => {
    const answer = await openai.chat.completions.create({
      model: "bedrock-only",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${onePixelPng}` } },
          ],
        },
      ],
    });
    expect(answer.choices[0]?.message.content).toContain("Hello from fake Bedrock");
    expect(bedrock.chatCalls()[0]?.body).toMatchObject({
      messages: [
        {
          role: "user",
          content: [{ text: "What is this?" }, { image: { format: "png", source: { bytes: onePixelPng } } }],
        },
      ],
    });
  });

  it("/v1 an image URL Bedrock cannot take is a 400 naming it, and nothing is sent", async () => {
    const refused = await openai.chat.completions
      .create({
        model: "bedrock-only",
        messages: [
          {
            role: "user",
            content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }],
          },
        ],
      })
      .catch((error) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(String(refused.message)).toContain("Bedrock takes no image URLs");
    expect(bedrock.chatCalls()).toHaveLength(0);
  });

  it("/v1 400: Bedrock's ValidationException reaches the caller, no failover", async () => {
    // Converse refuses a conversation that does not start with a user turn.
    const refused = await openai.chat.completions
      .create({
        model: "bedrock-first",
        messages: [
          { role: "assistant", content: "Earlier answer" },
          { role: "user", content: "Go on" },
        ],
      })
      .catch((error) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(String(refused.message)).toContain("A conversation must start with a user message");
    expect(String(refused.message)).toContain("ValidationException");
    expect(harness.fakes.openai.chatCalls()).toHaveLength(0);
  });

  for (const [status, what] of [
    [429, "ThrottlingException"],
    [503, "ServiceUnavailableException"],
  ] as const) {
    it(`/v1 failover: Bedrock ${status} ${what} -> the next chain entry answers`, async () => {
      bedrock.enqueueChat(
        bedrock.replies.error(status, "Too many requests, please wait before trying again."),
      );
      harness.fakes.openai.enqueueChat(harness.fakes.openai.replies.text("Hello from OpenAI"));
      const answer = await openai.chat.completions.create({ model: "bedrock-first", messages });
      expect(answer.choices[0]?.message.content).toBe("Hello from OpenAI");
      expect(answer.model).toBe("gpt-4.1");
      expect(bedrock.chatCalls()).toHaveLength(1);
    });
  }

  it("MCP streamed failover: a throttlingException before the first token -> the next chain entry", async () => {
    bedrock.enqueueChat(bedrock.streamException([], "throttlingException", "Too many tokens, please wait."));
    harness.fakes.openai.enqueueChat(harness.fakes.openai.replies.text("Hello from OpenAI"));
    const streamed = await client.callTool({
      name: "chat_completion",
      arguments: { ...caller, model_group: "bedrock-first", messages, stream: true },
    });
    const structured = streamed.structuredContent as unknown as ChatResult;
    expect(structured).toMatchObject({ provider: "openai", content: "Hello from OpenAI" });
    expect(structured.attempts[0]).toMatchObject({ provider: "bedrock" });
    expect(structured.attempts[0]?.error).toContain("throttlingException");
  });

  it("/v1 a stream cut mid-way ends with an error after the text delivered", async () => {
    // messageStart, "Once", " upon", then the socket ends: no messageStop.
    bedrock.enqueueChat(bedrock.replies.stream(["Once", " upon", " a time"], { cutAfter: 3 }));
    const stream = await openai.chat.completions.create({ model: "bedrock-first", messages, stream: true });
    let text = "";
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((error) => error);
    expect(text).toBe("Once upon");
    expect(failure).toBeInstanceOf(Error);
    expect(harness.fakes.openai.chatCalls()).toHaveLength(0);
  });

  it("/v1 a modelStreamErrorException after tokens ends the stream with an error", async () => {
    bedrock.enqueueChat(bedrock.replies.streamError(["Par", "tial"]));
    const stream = await openai.chat.completions.create({ model: "bedrock-only", messages, stream: true });
    let text = "";
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((error) => error);
    expect(text).toBe("Partial");
    expect(String(failure?.message ?? failure)).toContain("modelStreamErrorException");
  });

  it("MCP one answer, then streamed with progress", async () => {
    bedrock.enqueueChat(bedrock.replies.text("Salut", { inputTokens: 7, outputTokens: 1 }));
    const once = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model_group: "bedrock-only",
      messages,
    });
    expect(once.isError).toBe(false);
    expect(once.structured).toMatchObject({
      content: "Salut",
      provider: "bedrock",
      model: "claude-sonnet-4-bedrock",
      usage: { input_tokens: 7, output_tokens: 1 },
    });

    bedrock.enqueueChat(
      bedrock.replies.stream(["Sa", "lut"], { usage: { inputTokens: 7, outputTokens: 2 } }),
    );
    const progress: string[] = [];
    const streamed = await client.callTool(
      {
        name: "chat_completion",
        arguments: { ...caller, model_group: "bedrock-only", messages, stream: true },
      },
      { onprogress: (update) => progress.push(update.message ?? "") },
    );
    expect(progress.slice(1)).toEqual(["Sa", "lut"]);
    expect(streamed.structuredContent).toMatchObject({ content: "Salut", usage: { output_tokens: 2 } });
  });

  it("MCP tools: a tool call and its result round-trip", async () => {
    bedrock.enqueueChat(bedrock.replies.toolCall("get_weather", '{"city":"Lyon"}'));
    const first = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model_group: "bedrock-only",
      messages,
      tools: [weather],
    });
    expect(first.structured).toMatchObject({
      finish_reason: "tool_calls",
      tool_calls: [
        {
          id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
          function: { name: "get_weather", arguments: '{"city":"Lyon"}' },
        },
      ],
    });
    const second = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model_group: "bedrock-only",
      tools: [weather],
      messages: [
        ...messages,
        { role: "assistant", content: null, tool_calls: first.structured.tool_calls },
        { role: "tool", tool_call_id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", content: "21 °C" },
      ],
    });
    expect(second.isError).toBe(false);
    expect(second.structured.content).toContain("Hello from fake Bedrock");
  });

  it("MCP error: a Bedrock 400 is a tool error naming Bedrock's message", async () => {
    bedrock.enqueueChat(bedrock.replies.error(400, "The provided model identifier is invalid."));
    const { isError, text } = await callTool(client, "chat_completion", {
      ...caller,
      model_group: "bedrock-only",
      messages,
    });
    expect(isError).toBe(true);
    expect(text).toContain("The provided model identifier is invalid.");
  });

  it("Anthropic down: the same model on Bedrock answers", async () => {
    const { anthropic } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
    bedrock.enqueueChat(bedrock.replies.text("Claude via Bedrock"));
    const answer = await openai.chat.completions.create({ model: "sonnet-anywhere", messages });
    expect(answer.choices[0]?.message.content).toBe("Claude via Bedrock");
    expect(answer.model).toBe("claude-sonnet-4-bedrock");
    expect(anthropic.chatCalls()).toHaveLength(1);
  });

  it("/v1/messages (Claude Code's door), Anthropic down: Bedrock answers in the Messages shape, streamed", async () => {
    const { anthropic } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
    bedrock.enqueueChat(
      bedrock.replies.stream(["Claude ", "on Bedrock"], { usage: { inputTokens: 11, outputTokens: 4 } }),
    );
    const claude = anthropicClientFor(harness.url, caller);
    const stream = claude.messages.stream({
      model: "sonnet-anywhere",
      max_tokens: 200,
      system: "Be brief.",
      messages: [{ role: "user", content: "Say hello" }],
    });
    const message = await stream.finalMessage();
    expect(message.content).toEqual([expect.objectContaining({ type: "text", text: "Claude on Bedrock" })]);
    expect(message.usage).toMatchObject({ input_tokens: 11, output_tokens: 4 });
    expect(bedrock.chatCalls()[0]?.body).toMatchObject({
      system: [{ text: "Be brief." }],
      messages: [{ role: "user", content: [{ text: "Say hello" }] }],
      inferenceConfig: { maxTokens: 200 },
    });
  });

  it("MCP count_tokens counts Claude on Bedrock with Bedrock's CountTokens, exactly", async () => {
    const result = await client.callTool({
      name: "count_tokens",
      arguments: {
        ...caller,
        messages: [{ role: "user", content: "Bonjour!" }],
        model: "claude-sonnet-4-bedrock",
      },
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      model: "claude-sonnet-4-bedrock",
      encoding: "provider:bedrock",
      exact: true,
    });
    const [call] = bedrock.countTokensCalls?.() ?? [];
    expect(call?.path).toBe("/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/count-tokens");
    expect(call?.body).toEqual({
      input: { converse: { messages: [{ role: "user", content: [{ text: "Bonjour!" }] }] } },
    });
  });

  it("an API key the fake does not know: a 403 fails over, logged, and no credential reaches logs or errors", async () => {
    harness.fakes.openai.enqueueChat(harness.fakes.openai.replies.text("Hello from OpenAI"));
    const { isError, structured } = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model_group: "bedrock-bad-key",
      messages,
    });
    expect(isError).toBe(false);
    expect(structured.provider).toBe("openai");
    expect(structured.attempts[0]).toMatchObject({ provider: "bedrock-wrong-key" });
    expect(structured.attempts[0]?.error).toContain("403");
    const wrongKey = "ABSKbedrock-unknown-key-0009-do-not-log";
    const everything = JSON.stringify(harness.logs) + JSON.stringify(structured);
    for (const secret of [wrongKey, secretAccessKey]) expect(everything).not.toContain(secret);
    expect(bedrock.chatCalls()[0]?.headers.authorization).toBe(`Bearer ${wrongKey}`);
  });
});
