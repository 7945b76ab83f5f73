import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { defaultCatalog } from "../../src/config/default-catalog.js";
import type { FakeAnthropic } from "../../src/fakes/anthropic/fake-anthropic.js";
import { googleThinkingToolCallReply } from "../../src/fakes/google/fake-google.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

/**
 * Reasoning and prompt caching through `/v1/chat/completions` against the
 * fakes, read with the official openai SDK: thinking comes back and goes
 * back, cache breakpoints reach Anthropic, and the bill follows the cache.
 */

const configYaml = `
models:
  gemini-3-pro:
    provider: google
    provider_model_id: gemini-3-pro-preview
    context_window: 1048576
    max_output_tokens: 65536
    price_per_mtok: { input: 2, output: 12, cached_input: 0.2 }
prompt_caching:
  auto_breakpoints:
    projects: [auto-cache]
budgets:
  projects:
    tight-cache: { daily_usd: 0.008 }
`;

// ~2,400 tokens at the fakes' four characters a token: above Sonnet 4's 1,024-token cache minimum.
const longRules = (topic: string) =>
  `You answer questions about ${topic}. Cite the handbook section. `.repeat(150);

type Usage = OpenAI.CompletionUsage & {
  prompt_tokens_details: {
    cached_tokens: number;
    cache_creation_tokens: number;
    cache_creation_token_details?: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  };
};
type AssistantMessage = OpenAI.ChatCompletionMessage & {
  reasoning_content?: string;
  thinking_blocks?: Array<Record<string, string>>;
};

describe("reasoning and prompt caching through /v1/chat/completions", () => {
  let harness: Harness;
  let anthropic: FakeAnthropic;
  const client = (project: string) =>
    new OpenAI({
      apiKey: "unused-without-client-keys",
      baseURL: `${harness.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { "x-project-id": project, "x-agent-id": "tester" },
    });
  const bookedNanoUsd = async (project: string): Promise<number> => {
    const response = await fetch(`${harness.url}/v1/usage?project_id=${project}&period=all`);
    const report = (await response.json()) as { cost_usd: number; cache_write_tokens: number };
    return Math.round(report.cost_usd * 1e9);
  };

  beforeAll(async () => {
    harness = await startHarness({ env: { LLM_GATEWAY_MAX_RETRIES: "0" }, configYaml });
    anthropic = harness.fakes.anthropic as FakeAnthropic;
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => harness.close());

  describe("prompt caching", () => {
    const sonnet = defaultCatalog()["claude-sonnet-4"]?.pricing;
    if (!sonnet) throw new Error("claude-sonnet-4 is in the default catalog");
    /** tokens x micro-USD per MTok / 1000 = nano-USD; every sonnet price is a multiple of 1000 micro-USD. */
    const nanos = (tokens: number, microUsdPerMtok: number) => (tokens * microUsdPerMtok) / 1000;

    it("bills the second identical long request at the cached rate: a cache write, then a cache read", async () => {
      const request = {
        model: "claude-sonnet-4",
        messages: [
          {
            role: "system" as const,
            content: [
              { type: "text" as const, text: longRules("invoices"), cache_control: { type: "ephemeral" } },
            ],
          },
          { role: "user" as const, content: "What is the late fee?" },
        ],
      } as OpenAI.ChatCompletionCreateParamsNonStreaming;

      const first = await client("cache-write").chat.completions.create(request);
      const second = await client("cache-read").chat.completions.create(request);

      const sent = anthropic.chatCalls()[0]?.body as { system: Array<Record<string, unknown>> };
      expect(sent.system[0]?.cache_control).toEqual({ type: "ephemeral" });
      const written = first.usage as Usage;
      const read = second.usage as Usage;
      const prefix = written.prompt_tokens_details.cache_creation_tokens;
      expect(prefix).toBeGreaterThan(1024);
      expect(written.prompt_tokens_details.cached_tokens).toBe(0);
      expect(read.prompt_tokens_details).toMatchObject({ cached_tokens: prefix, cache_creation_tokens: 0 });
      expect(read.prompt_tokens).toBe(written.prompt_tokens);

      const fresh = written.prompt_tokens - prefix;
      const output = written.completion_tokens;
      const writeCost =
        nanos(fresh, sonnet.inputMicroUsdPerMtok) +
        nanos(prefix, sonnet.cacheWriteMicroUsdPerMtok) +
        nanos(output, sonnet.outputMicroUsdPerMtok);
      const readCost =
        nanos(fresh, sonnet.inputMicroUsdPerMtok) +
        nanos(prefix, sonnet.cachedInputMicroUsdPerMtok) +
        nanos(read.completion_tokens, sonnet.outputMicroUsdPerMtok);
      expect(await bookedNanoUsd("cache-write")).toBe(writeCost);
      expect(await bookedNanoUsd("cache-read")).toBe(readCost);
      console.info(
        `prompt ${written.prompt_tokens} tokens (${prefix} cacheable), output ${output}: request 1 (cache write) ${writeCost} nano-USD, request 2 (cache read) ${readCost} nano-USD`,
      );
      const report = await (await fetch(`${harness.url}/v1/usage?project_id=cache-write&period=all`)).json();
      expect(report).toMatchObject({ cache_write_tokens: prefix, cached_input_tokens: 0 });
    });

    it("prices a 1-hour write on a tool list at the 1-hour rate, streamed", async () => {
      const tools = Array.from({ length: 30 }, (_, index) => ({
        type: "function" as const,
        function: {
          name: `lookup_${index}`,
          description: `Looks up record kind ${index} in the archive by its identifier and returns it whole.`,
          parameters: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
        },
      }));
      const last = tools.length - 1;
      const marked = tools.map((tool, index) =>
        index === last ? { ...tool, cache_control: { type: "ephemeral", ttl: "1h" } } : tool,
      );
      const stream = await client("cache-1h").chat.completions.create({
        model: "claude-sonnet-4",
        messages: [{ role: "user", content: "Hi" }],
        tools: marked as OpenAI.ChatCompletionTool[],
        stream: true,
        stream_options: { include_usage: true },
      });
      let usage: Usage | undefined;
      for await (const chunk of stream) if (chunk.usage) usage = chunk.usage as Usage;
      const sent = anthropic.chatCalls()[0]?.body as { tools: Array<Record<string, unknown>> };
      expect(sent.tools[last]?.cache_control).toEqual({ type: "ephemeral", ttl: "1h" });
      const writes = usage?.prompt_tokens_details.cache_creation_tokens ?? 0;
      expect(writes).toBeGreaterThan(1024);
      expect(usage?.prompt_tokens_details.cache_creation_token_details).toEqual({
        ephemeral_5m_input_tokens: 0,
        ephemeral_1h_input_tokens: writes,
      });
      const promptTokens = usage?.prompt_tokens ?? 0;
      const expected =
        nanos(promptTokens - writes, sonnet.inputMicroUsdPerMtok) +
        nanos(writes, sonnet.cacheWrite1hMicroUsdPerMtok ?? 0) +
        nanos(usage?.completion_tokens ?? 0, sonnet.outputMicroUsdPerMtok);
      expect(sonnet.cacheWrite1hMicroUsdPerMtok).toBe(sonnet.inputMicroUsdPerMtok * 2);
      expect(await bookedNanoUsd("cache-1h")).toBe(expected);
    });

    it("holds budget for a 1-hour cache write at its price, so a request that could overspend is refused first", async () => {
      // ~1,800 prompt tokens: held at $3/MTok they fit $0.008, written for an hour at $6/MTok they do not.
      const request = (ttl?: "1h") =>
        ({
          model: "claude-sonnet-4",
          max_tokens: 10,
          messages: [
            {
              role: "system",
              content: [
                {
                  type: "text",
                  text: longRules("budgets"),
                  ...(ttl ? { cache_control: { type: "ephemeral", ttl } } : {}),
                },
              ],
            },
            { role: "user", content: "Hi" },
          ],
        }) as OpenAI.ChatCompletionCreateParamsNonStreaming;
      const refused = await client("tight-cache")
        .chat.completions.create(request("1h"))
        .catch((caught: unknown) => caught);
      expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
      expect(anthropic.chatCalls()).toHaveLength(0);
      const answered = await client("tight-cache").chat.completions.create(request());
      expect(answered.choices[0]?.message.content).toBe("Hello from fake claude-sonnet-4-0");
    });

    it("refuses a fifth cache breakpoint with a 400 naming cache_control, before any provider is called", async () => {
      const marked = { type: "text", text: "part", cache_control: { type: "ephemeral" } };
      const error = await client("cache-limit")
        .chat.completions.create({
          model: "claude-sonnet-4",
          messages: [{ role: "user", content: [marked, marked, marked, marked, marked] }],
        } as OpenAI.ChatCompletionCreateParamsNonStreaming)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect((error as Error).message).toContain("at most 4 cache breakpoints");
      expect(anthropic.chatCalls()).toHaveLength(0);
    });

    it("adds breakpoints by itself for an opted-in project, so its repeated long system prompt is read from the cache", async () => {
      const request = {
        model: "claude-sonnet-4",
        messages: [
          { role: "system" as const, content: longRules("shipping") },
          { role: "user" as const, content: "Where is my parcel?" },
        ],
      };
      await client("auto-cache").chat.completions.create(request);
      const again = await client("auto-cache").chat.completions.create(request);
      const sent = anthropic
        .chatCalls()
        .map((call) => (call.body as { system: Array<Record<string, unknown>> }).system);
      expect(sent[0]?.at(-1)?.cache_control).toEqual({ type: "ephemeral" });
      expect((again.usage as Usage).prompt_tokens_details.cached_tokens).toBeGreaterThan(1024);

      // A project that did not opt in sends the prompt unmarked and pays full price every time.
      await client("not-opted-in").chat.completions.create(request);
      const unmarked = anthropic.chatCalls()[2]?.body as { system: Array<Record<string, unknown>> };
      expect(unmarked.system.at(-1)?.cache_control).toBeUndefined();
    });
  });

  it.each([
    // [catalog model, provider, expected nano-USD for 2000 prompt tokens (1536 cached) and 10 output tokens]
    ["gpt-4.1", "openai", 464 * 2000 + 1536 * 500 + 10 * 8000],
    ["deepseek-coder", "deepseek", 464 * 280 + 1536 * 28 + 10 * 420],
    ["gemini-2.5-pro", "google", 464 * 1250 + 1536 * 125 + 10 * 10_000],
  ] as const)(
    "bills %s's cached tokens (%s's own usage field) at its cached rate",
    async (model, provider, expected) => {
      const fake = harness.fakes[provider];
      fake.enqueueChat(
        fake.replies.text("Cached answer", { inputTokens: 2000, outputTokens: 10, cachedInputTokens: 1536 }),
      );
      const project = `cached-${provider}`;
      const answer = await client(project).chat.completions.create({
        model,
        messages: [{ role: "user", content: "Hi" }],
      });
      expect(answer.usage?.prompt_tokens_details?.cached_tokens).toBe(1536);
      expect(await bookedNanoUsd(project)).toBe(expected);
    },
  );

  describe("reasoning", () => {
    const thinking = { type: "enabled", budget_tokens: 1024 };
    const weatherTool = {
      type: "function" as const,
      function: { name: "get_weather", parameters: { type: "object", properties: {} } },
    };
    const question = { role: "user" as const, content: "Weather in Paris?" };

    it("returns Anthropic thinking as reasoning_content and thinking_blocks, and the tool-use turn continues when they are sent back", async () => {
      anthropic.enqueueChat(
        anthropic.replies.thinkingToolCall("I should call the weather tool.", {
          name: "get_weather",
          argumentsJson: '{"city":"Paris"}',
        }),
      );
      const sdk = client("reasoning");
      const first = await sdk.chat.completions.create({
        model: "claude-sonnet-4",
        messages: [question],
        tools: [weatherTool],
        ...({ thinking } as object),
      });
      const message = first.choices[0]?.message as AssistantMessage;
      expect(message.reasoning_content).toBe("I should call the weather tool.");
      expect(message.thinking_blocks).toEqual([
        { type: "thinking", thinking: "I should call the weather tool.", signature: expect.any(String) },
      ]);
      const call = message.tool_calls?.[0];
      if (call?.type !== "function") throw new Error("expected a function tool call");
      const result = { role: "tool" as const, tool_call_id: call.id, content: "Sunny, 21°C" };

      // Without its thinking block the next turn is refused upstream, as Anthropic does, and the 400 comes back.
      const { thinking_blocks: _dropped, ...bare } = message;
      const refused = await sdk.chat.completions
        .create({
          model: "claude-sonnet-4",
          messages: [question, bare as OpenAI.ChatCompletionAssistantMessageParam, result],
          tools: [weatherTool],
          ...({ thinking } as object),
        })
        .catch((caught: unknown) => caught);
      expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
      expect((refused as Error).message).toContain(
        "a final `assistant` message must start with a thinking block",
      );

      const second = await sdk.chat.completions.create({
        model: "claude-sonnet-4",
        messages: [question, message as OpenAI.ChatCompletionAssistantMessageParam, result],
        tools: [weatherTool],
        ...({ thinking } as object),
      });
      expect(second.choices[0]?.message.content).toBe("Hello from fake claude-sonnet-4-0");
      const sentBack = anthropic.chatCalls().at(-1)?.body as {
        messages: Array<{ content: Array<{ type: string }> }>;
      };
      expect(sentBack.messages[1]?.content.map((block) => block.type)).toEqual(["thinking", "tool_use"]);
    });

    it("streams thinking as reasoning_content deltas and each signed block whole in thinking_blocks", async () => {
      anthropic.enqueueChat(
        anthropic.replies.thinkingToolCallStream(
          ["Paris ", "needs the tool."],
          { name: "get_weather", argumentsJson: '{"city":"Paris"}' },
          { redactedData: "EmwKAhgBEgy3va3pzix" },
        ),
      );
      const stream = await client("reasoning-stream").chat.completions.create({
        model: "claude-sonnet-4",
        messages: [question],
        tools: [weatherTool],
        stream: true,
        ...({ thinking } as object),
      });
      let reasoning = "";
      const blocks: unknown[] = [];
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta as
          | { reasoning_content?: string; thinking_blocks?: unknown[] }
          | undefined;
        reasoning += delta?.reasoning_content ?? "";
        blocks.push(...(delta?.thinking_blocks ?? []));
      }
      expect(reasoning).toBe("Paris needs the tool.");
      expect(blocks).toEqual([
        { type: "thinking", thinking: "Paris needs the tool.", signature: expect.any(String) },
        { type: "redacted_thinking", data: "EmwKAhgBEgy3va3pzix" },
      ]);
    });

    it("asks Gemini for its thoughts with thinking on and streams them as reasoning_content, with reasoning tokens", async () => {
      const stream = await client("gemini-stream").chat.completions.create({
        model: "gemini-2.5-pro",
        messages: [{ role: "user", content: "Hi" }],
        stream: true,
        stream_options: { include_usage: true },
        ...({ thinking } as object),
      });
      let reasoning = "";
      let content = "";
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta as { reasoning_content?: string; content?: string } | undefined;
        reasoning += delta?.reasoning_content ?? "";
        content += delta?.content ?? "";
        if (chunk.usage) usage = chunk.usage;
      }
      expect(harness.fakes.google.chatCalls()[0]?.body).toMatchObject({
        generationConfig: { thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } },
      });
      expect(reasoning).toBe("Greeting gemini-2.5-pro.");
      expect(content).toBe("Hello from fake gemini-2.5-pro");
      const reasoningTokens = usage?.completion_tokens_details?.reasoning_tokens ?? 0;
      expect(reasoningTokens).toBeGreaterThan(0);
      expect(usage?.completion_tokens).toBe(reasoningTokens + 8); // the answer's own 8 tokens
    });

    it("carries Gemini's thought signature on the tool call and back; thinking tokens are reasoning tokens priced as output", async () => {
      const { google } = harness.fakes;
      google.enqueueChat(
        googleThinkingToolCallReply(
          "Checking the weather.",
          { name: "get_weather", argumentsJson: '{"city":"Paris"}' },
          { inputTokens: 20, outputTokens: 9, thoughtsTokens: 120 },
        ),
      );
      const sdk = client("gemini-thoughts");
      const first = await sdk.chat.completions.create({
        model: "gemini-3-pro",
        messages: [question],
        tools: [weatherTool],
      });
      const message = first.choices[0]?.message as AssistantMessage;
      const call = message.tool_calls?.[0] as OpenAI.ChatCompletionMessageToolCall & {
        extra_content?: { google?: { thought_signature?: string } };
      };
      const signature = call.extra_content?.google?.thought_signature;
      expect(signature).toEqual(expect.any(String));
      expect(message.reasoning_content).toBe("Checking the weather.");
      expect(first.usage).toMatchObject({
        prompt_tokens: 20,
        completion_tokens: 129,
        completion_tokens_details: { reasoning_tokens: 120 },
      });
      // 20 x $2 + (9 + 120) x $12 per million tokens: thinking is billed as output, as Google bills it.
      expect(await bookedNanoUsd("gemini-thoughts")).toBe(20 * 2000 + 129 * 12_000);

      const second = await sdk.chat.completions.create({
        model: "gemini-3-pro",
        messages: [
          question,
          message as OpenAI.ChatCompletionAssistantMessageParam,
          { role: "tool", tool_call_id: call.id, content: "Sunny" },
        ],
        tools: [weatherTool],
      });
      expect(second.choices[0]?.message.content).toBe("Hello from fake gemini-3-pro-preview");
      const sent = google.chatCalls().at(-1)?.body as {
        contents: Array<{ parts: Array<{ thoughtSignature?: string }> }>;
      };
      expect(sent.contents[1]?.parts[0]?.thoughtSignature).toBe(signature);
    });
  });
});
