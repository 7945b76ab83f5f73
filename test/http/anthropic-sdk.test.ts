import Anthropic, { type APIError } from "@anthropic-ai/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FakeAnthropic } from "../../src/fakes/anthropic/fake-anthropic.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

/** An SSE event of a scripted Anthropic stream. */
const sseEvent = (data: Record<string, unknown>) => ({
  event: String(data.type),
  data: JSON.stringify(data),
});

/** message_start as Anthropic sends it: no content yet, the input usage. */
const messageStart = (id: string, usage: Record<string, number>) =>
  sseEvent({
    type: "message_start",
    message: {
      id,
      type: "message",
      role: "assistant",
      model: "claude-opus-4-5",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage,
    },
  });

/** reasoning = anthropic (claude-opus-4-5) -> openai (gpt-4.1) -> google (gemini-2.5-pro) */
describe("the official @anthropic-ai/sdk against the gateway's Messages door", () => {
  let harness: Harness;
  let client: Anthropic;
  const clientFor = (project: string) =>
    new Anthropic({
      apiKey: "unused-without-client-keys",
      baseURL: harness.url,
      maxRetries: 0,
      defaultHeaders: { "x-project-id": project, "x-agent-id": "claude-agent" },
    });
  const usageOf = async (project: string) =>
    (await (await fetch(`${harness.url}/v1/usage?project_id=${project}&period=all`)).json()) as {
      requests: number;
      input_tokens: number;
      output_tokens: number;
      cost_usd: number;
      by_model: Record<string, { requests: number }>;
    };

  beforeAll(async () => {
    harness = await startHarness({ env: { LLM_GATEWAY_MAX_RETRIES: "0" } });
    client = clientFor("proj-anthropic");
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => harness.close());

  it("messages.create on a group: Anthropic gets the client's body whole, the answer is Anthropic's own", async () => {
    const { anthropic } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.text("Hello from Claude", { inputTokens: 10, outputTokens: 4 }));
    const params = {
      model: "reasoning",
      max_tokens: 4096,
      system: [{ type: "text" as const, text: "Be brief", cache_control: { type: "ephemeral" as const } }],
      messages: [
        {
          role: "user" as const,
          content: [
            { type: "text" as const, text: "Hi", cache_control: { type: "ephemeral" as const } },
            {
              type: "document" as const,
              source: { type: "text" as const, media_type: "text/plain" as const, data: "A note" },
              citations: { enabled: true },
            },
          ],
        },
      ],
      thinking: { type: "enabled" as const, budget_tokens: 2048 },
      stop_sequences: ["END"],
      metadata: { user_id: "user-7" },
      // A field the gateway does not translate (Claude Code sends it) still reaches Anthropic.
      ...({ context_management: { edits: [] } } as object),
    };
    const { data, response } = await client.messages
      .create(params, { headers: { "anthropic-beta": "interleaved-thinking-2025-05-14" } })
      .withResponse();
    expect(data).toMatchObject({
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: "Hello from Claude" }],
      stop_reason: "end_turn",
      usage: { input_tokens: 10, output_tokens: 4 },
    });
    expect(data.id).toMatch(/^msg_01Fake/);
    expect(response.headers.get("x-llm-gateway-provider")).toBe("anthropic");
    expect(response.headers.get("x-llm-gateway-model")).toBe("claude-opus-4-5");
    // 10 x $5 + 4 x $25 per million tokens
    expect(response.headers.get("x-llm-gateway-cost-usd")).toBe("0.00015");
    const sent = anthropic.chatCalls()[0];
    // One answer, streamed from Anthropic (liveness is bytes) and folded back into its Message.
    expect(sent?.body).toEqual({ ...params, model: "claude-opus-4-5", stream: true });
    expect(sent?.headers["anthropic-beta"]).toBe("interleaved-thinking-2025-05-14");
    expect(sent?.headers["x-api-key"]).not.toBe("unused-without-client-keys");
  });

  it("a dated Claude id the catalog does not know goes to its family's group (sonnet -> code)", async () => {
    const { openai } = harness.fakes;
    const sonnet = await client.messages
      .create({
        model: "claude-sonnet-4-5-20250929",
        max_tokens: 50,
        messages: [{ role: "user", content: "Hi" }],
      })
      .withResponse();
    // code = claude-sonnet-4 -> gpt-4.1 -> deepseek-coder; the fake Anthropic answered.
    expect(sonnet.response.headers.get("x-llm-gateway-model")).toBe("claude-sonnet-4");
    expect(openai.chatCalls()).toHaveLength(0);
    const opus = await client.messages
      .create({ model: "claude-opus-4-8", max_tokens: 50, messages: [{ role: "user", content: "Hi" }] })
      .withResponse();
    expect(opus.response.headers.get("x-llm-gateway-model")).toBe("claude-opus-4-5");
  });

  it("messages.stream: the exact event sequence, text assembled, usage in message_delta", async () => {
    const { anthropic } = harness.fakes;
    anthropic.enqueueChat(
      anthropic.replies.stream(["Hel", "lo", " there"], { usage: { inputTokens: 9, outputTokens: 3 } }),
    );
    const stream = client.messages.stream({
      model: "reasoning",
      max_tokens: 100,
      messages: [{ role: "user", content: "Hi" }],
    });
    const events: string[] = [];
    stream.on("streamEvent", (event) => events.push(event.type));
    const final = await stream.finalMessage();
    expect(events).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(final.content).toEqual([{ type: "text", text: "Hello there" }]);
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage).toMatchObject({ input_tokens: 9, output_tokens: 3 });
  });

  it("a tool-use round trip: tool_use streamed as input_json_delta, the tool_result sent back", async () => {
    const anthropic = harness.fakes.anthropic as FakeAnthropic;
    anthropic.enqueueChat(
      anthropic.replies.toolCallStream([{ name: "get_weather", argumentsJson: '{"city":"Paris"}' }], {
        text: "Let me check.",
      }),
      anthropic.replies.text("It is sunny in Paris."),
    );
    const tools: Anthropic.Tool[] = [
      {
        name: "get_weather",
        description: "Weather for a city",
        input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      },
    ];
    const first = await client.messages
      .stream({
        model: "reasoning",
        max_tokens: 100,
        tools,
        tool_choice: { type: "auto" },
        messages: [{ role: "user", content: "Weather in Paris?" }],
      })
      .finalMessage();
    expect(first.stop_reason).toBe("tool_use");
    expect(first.content[0]).toEqual({ type: "text", text: "Let me check." });
    const toolUse = first.content[1] as Anthropic.ToolUseBlock;
    expect(toolUse).toMatchObject({ type: "tool_use", name: "get_weather", input: { city: "Paris" } });

    const second = await client.messages.create({
      model: "reasoning",
      max_tokens: 100,
      tools,
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: first.content },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: toolUse.id, content: "sunny, 21C" }],
        },
      ],
    });
    expect(second.content).toEqual([{ type: "text", text: "It is sunny in Paris." }]);
    // Natively to Anthropic: the conversation exactly as the client sent it.
    const resent = anthropic.chatCalls()[1]?.body as { messages: unknown[]; tools: unknown[] };
    expect(resent.messages).toEqual([
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Let me check." },
          { type: "tool_use", id: toolUse.id, name: "get_weather", input: { city: "Paris" } },
        ],
      },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: toolUse.id, content: "sunny, 21C" }],
      },
    ]);
    expect(resent.tools).toEqual([expect.objectContaining({ name: "get_weather" })]);
  });

  it("countTokens answers from the counting use case (the provider's own endpoint for Claude)", async () => {
    const anthropic = harness.fakes.anthropic as FakeAnthropic;
    anthropic.enqueueCountTokens({ type: "json", body: { input_tokens: 42 } });
    const counted = await client.messages.countTokens({
      model: "claude-haiku-4-5",
      messages: [{ role: "user", content: "How many tokens is this?" }],
    });
    expect(counted).toEqual({ input_tokens: 42 });
    expect(anthropic.countTokensCalls()[0]?.body).toMatchObject({ model: "claude-haiku-4-5" });
  });

  it("Anthropic 529 -> OpenAI answers, in Anthropic's shape, streamed; usage booked exactly", async () => {
    const { anthropic, openai } = harness.fakes;
    const project = "proj-anthropic-failover";
    anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
    openai.enqueueChat(
      openai.replies.stream(["From ", "OpenAI"], { usage: { inputTokens: 12, outputTokens: 5 } }),
    );
    const stream = clientFor(project).messages.stream({
      model: "claude-opus-4-8",
      max_tokens: 100,
      messages: [{ role: "user", content: "Hi" }],
    });
    const final = await stream.finalMessage();
    expect(final.model).toBe("gpt-4.1");
    expect(final.content).toEqual([{ type: "text", text: "From OpenAI" }]);
    expect(final.usage).toMatchObject({ input_tokens: 12, output_tokens: 5 });
    const usage = await usageOf(project);
    // 12 x $2 + 5 x $8 per million tokens
    expect(usage).toMatchObject({ requests: 1, input_tokens: 12, output_tokens: 5, cost_usd: 0.000064 });
    expect(Object.keys(usage.by_model)).toEqual(["gpt-4.1"]);
  });

  it("errors arrive in Anthropic's envelope, raised by the SDK as its own classes", async () => {
    const { anthropic, openai, google } = harness.fakes;
    const invalid = await client.messages
      .create({ model: "reasoning", max_tokens: 0, messages: [{ role: "user", content: "Hi" }] })
      .catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(Anthropic.BadRequestError);
    expect((invalid as APIError).error).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error", message: expect.stringContaining("max_tokens") },
    });

    const unknown = await client.messages
      .create({ model: "poetry", max_tokens: 10, messages: [{ role: "user", content: "Hi" }] })
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(Anthropic.NotFoundError);
    expect((unknown as APIError).error).toMatchObject({ error: { type: "not_found_error" } });

    for (const fake of [anthropic, openai, google]) fake.enqueueChat(fake.replies.error(503, "down"));
    const allDown = await client.messages
      .create({ model: "reasoning", max_tokens: 10, messages: [{ role: "user", content: "Hi" }] })
      .catch((error: unknown) => error);
    expect(allDown).toBeInstanceOf(Anthropic.OverloadedError);
    expect((allDown as APIError).error).toMatchObject({ error: { type: "overloaded_error" } });
  });

  it("what only Anthropic can carry: other deployments skipped with the reason, or a 400 naming it", async () => {
    const { anthropic, openai } = harness.fakes;
    const withServerTool = (model: string) => ({
      model,
      max_tokens: 10,
      tools: [{ type: "web_search_20250305" as const, name: "web_search" as const }],
      messages: [{ role: "user" as const, content: "Hi" }],
    });
    const onlyOpenAi = await client.messages
      .create(withServerTool("gpt-4.1"))
      .catch((error: unknown) => error);
    expect(onlyOpenAi).toBeInstanceOf(Anthropic.BadRequestError);
    expect((onlyOpenAi as APIError).message).toContain("tools.0.type");
    expect(openai.chatCalls()).toHaveLength(0);

    anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
    const anthropicDown = await client.messages
      .create(withServerTool("reasoning"))
      .catch((error: unknown) => error);
    expect(anthropicDown).toBeInstanceOf(Anthropic.OverloadedError);
    const message = (anthropicDown as APIError).message;
    expect(message).toContain("openai/gpt-4.1: skipped unsupported (openai cannot carry tools.0.type");
    expect(message).toContain("google/gemini-2.5-pro: skipped unsupported");
    expect(openai.chatCalls()).toHaveLength(0);

    const answered = await client.messages.create(withServerTool("reasoning"));
    expect(answered.content[0]).toMatchObject({ type: "text" });
    expect(anthropic.chatCalls().at(-1)?.body).toMatchObject({ tools: [{ type: "web_search_20250305" }] });
  });

  it("a native stream passes thinking and signature deltas through, and is booked from its usage", async () => {
    const anthropic = harness.fakes.anthropic as FakeAnthropic;
    const project = "proj-anthropic-thinking";
    const event = sseEvent;
    anthropic.enqueueChat({
      type: "sse",
      events: [
        messageStart("msg_01Thinking", {
          input_tokens: 20,
          cache_read_input_tokens: 100,
          cache_creation_input_tokens: 0,
          output_tokens: 1,
        }),
        event({
          type: "content_block_start",
          index: 0,
          content_block: { type: "thinking", thinking: "", signature: "" },
        }),
        event({
          type: "content_block_delta",
          index: 0,
          delta: { type: "thinking_delta", thinking: "Two plus two." },
        }),
        event({
          type: "content_block_delta",
          index: 0,
          delta: { type: "signature_delta", signature: "c2lnbmF0dXJl" },
        }),
        event({ type: "content_block_stop", index: 0 }),
        event({ type: "content_block_start", index: 1, content_block: { type: "text", text: "" } }),
        event({ type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "4" } }),
        event({ type: "content_block_stop", index: 1 }),
        event({
          type: "message_delta",
          delta: { stop_reason: "end_turn", stop_sequence: null },
          usage: { output_tokens: 30 },
        }),
        event({ type: "message_stop" }),
      ],
    });
    const final = await clientFor(project)
      .messages.stream({
        model: "claude-opus-4-8",
        max_tokens: 2000,
        thinking: { type: "enabled", budget_tokens: 1024 },
        messages: [{ role: "user", content: "2+2?" }],
      })
      .finalMessage();
    expect(final.content).toEqual([
      { type: "thinking", thinking: "Two plus two.", signature: "c2lnbmF0dXJl" },
      { type: "text", text: "4" },
    ]);
    expect(final.usage).toMatchObject({ input_tokens: 20, cache_read_input_tokens: 100, output_tokens: 30 });
    const usage = await usageOf(project);
    // 120 input tokens, 100 of them cache reads: 20 x $5 + 100 x $0.5 + 30 x $25 per million tokens
    expect(usage).toMatchObject({ requests: 1, input_tokens: 120, output_tokens: 30, cost_usd: 0.0009 });
  });

  it("a stream that fails after it started ends with an `error` event the SDK raises", async () => {
    const { anthropic } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.streamError(["Partial"]));
    const stream = client.messages.stream({
      model: "reasoning",
      max_tokens: 100,
      messages: [{ role: "user", content: "Hi" }],
    });
    const texts: string[] = [];
    stream.on("text", (text) => texts.push(text));
    const failure = await stream.finalMessage().catch((error: unknown) => error);
    expect(texts).toEqual(["Partial"]);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect(String((failure as Error).message)).toContain("GW_ERR_STREAM_INTERRUPTED");
  });

  it("one answer wanted, Anthropic's stream fails after it started: GW_ERR_STREAM_INTERRUPTED, what it produced booked", async () => {
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.streamError(["Partial"]));
    const failure = await clientFor("proj-anthropic-cut")
      .messages.create({ model: "reasoning", max_tokens: 100, messages: [{ role: "user", content: "Hi" }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect(String((failure as Error).message)).toContain("GW_ERR_STREAM_INTERRUPTED");
    expect(openai.chatCalls()).toHaveLength(0);
    expect(await usageOf("proj-anthropic-cut")).toMatchObject({ requests: 1, input_tokens: 12 });
  });

  it("one answer wanted, an in-band error before any block: OpenAI answers instead, in Anthropic's shape", async () => {
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat({
      type: "sse",
      events: [
        messageStart("msg_01Overloaded", { input_tokens: 12, output_tokens: 1 }),
        sseEvent({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }),
      ],
    });
    openai.enqueueChat(openai.replies.text("Hello from GPT", { inputTokens: 8, outputTokens: 3 }));
    const { data, response } = await client.messages
      .create({ model: "reasoning", max_tokens: 100, messages: [{ role: "user", content: "Hi" }] })
      .withResponse();
    expect(response.headers.get("x-llm-gateway-provider")).toBe("openai");
    expect(data).toMatchObject({ type: "message", content: [{ type: "text", text: "Hello from GPT" }] });
  });

  it("a body that is not JSON, and HEAD / (Claude Code's preconnect)", async () => {
    const broken = await fetch(`${harness.url}/v1/messages?beta=true`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: "{not json",
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error", message: expect.stringContaining("not valid JSON") },
    });
    const head = await fetch(`${harness.url}/`, { method: "HEAD" });
    expect(head.status).toBe(200);
  });

  it("GET /v1/models in Anthropic's shape for an Anthropic client, OpenAI's otherwise", async () => {
    const page = await client.models.list();
    const ids = page.data.map((model) => model.id);
    expect(ids).toContain("reasoning");
    expect(ids).toContain("claude-opus-4-5");
    expect(page.data[0]).toMatchObject({ type: "model", display_name: expect.any(String) });
    const one = await client.models.retrieve("gpt-4.1");
    expect(one).toMatchObject({ type: "model", id: "gpt-4.1", display_name: "gpt-4.1 (openai)" });
    const openAiShape = (await (await fetch(`${harness.url}/v1/models`)).json()) as { object: string };
    expect(openAiShape.object).toBe("list");
  });
});

describe("a non-streamed Messages call answered natively outlasts the request timeout while Anthropic writes", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      env: { LLM_GATEWAY_MAX_RETRIES: "0", LLM_GATEWAY_REQUEST_TIMEOUT_SECONDS: "2" },
    });
  });
  afterAll(async () => harness.close());

  it("messages.create gets the exact Message the SDK folds from the same stream, after more than 2 s", async () => {
    const { anthropic } = harness.fakes;
    const client = new Anthropic({
      apiKey: "unused-without-client-keys",
      baseURL: harness.url,
      maxRetries: 0,
      defaultHeaders: { "x-project-id": "proj-anthropic-long", "x-agent-id": "claude-agent" },
    });
    const pieces = ["A", " long", " answer", " written", " slowly", " by", " the", " model", "."];
    const slow = anthropic.replies.stream(pieces, {
      usage: { inputTokens: 21, outputTokens: 9 },
      chunkDelayMs: 350,
    });
    anthropic.enqueueChat(slow, { ...slow, chunkDelayMs: 0 } as typeof slow);
    const params = {
      model: "reasoning",
      max_tokens: 1024,
      messages: [{ role: "user" as const, content: "Hi" }],
    };

    const started = Date.now();
    const { data, response } = await client.messages.create(params).withResponse();
    expect(Date.now() - started).toBeGreaterThan(2_000);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-llm-gateway-provider")).toBe("anthropic");
    expect(anthropic.chatCalls()[0]?.body).toMatchObject({ stream: true });

    // What the SDK's MessageStream folds from the same events; `parsed_output` is its own addition.
    const { parsed_output: _parsed, ...folded } = await client.messages.stream(params).finalMessage();
    expect(data).toEqual(folded);
    expect(data).toMatchObject({
      type: "message",
      content: [{ type: "text", text: pieces.join("") }],
      stop_reason: "end_turn",
      usage: { input_tokens: 21, output_tokens: 9 },
    });
    const usage = (await (
      await fetch(`${harness.url}/v1/usage?project_id=proj-anthropic-long&period=all`)
    ).json()) as { requests: number; input_tokens: number; output_tokens: number };
    expect(usage).toMatchObject({ requests: 2, input_tokens: 42, output_tokens: 18 });
  });
});
