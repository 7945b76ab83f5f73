import Anthropic, {
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  OverloadedError,
  RateLimitError,
} from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeResponse } from "../fake-upstream-server.js";
import { createFakeAnthropic, type FakeAnthropic } from "./fake-anthropic.js";

/**
 * The official SDK pointed at the fake: if it accepts the fake's messages,
 * streams and errors, the fake speaks Anthropic's wire format.
 */

let fake: FakeAnthropic;
let client: Anthropic;

beforeAll(async () => {
  fake = await createFakeAnthropic();
  client = new Anthropic({ apiKey: "sk-ant-test", baseURL: fake.baseUrl, maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => fake.server.reset());

const params = {
  model: "claude-sonnet-4-0",
  max_tokens: 256,
  messages: [{ role: "user" as const, content: "Hello" }],
};

async function sdkError(promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof APIError) return error;
    throw error;
  }
  throw new Error("expected the SDK to throw");
}

describe("@anthropic-ai/sdk against the fake", () => {
  it("accepts the default non-streamed answer, and sends what the fake checks", async () => {
    const message = await client.messages.create(params);
    expect(message.type).toBe("message");
    expect(message.model).toBe("claude-sonnet-4-0");
    expect(message.content).toEqual([{ type: "text", text: "Hello from fake claude-sonnet-4-0" }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    const [sent] = fake.chatCalls();
    expect(sent?.headers.authorization).toBe("Bearer sk-ant-test");
    expect(sent?.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("accepts scripted cache usage", async () => {
    fake.enqueueChat(
      fake.replies.text("Cached", {
        inputTokens: 100,
        cachedInputTokens: 60,
        cacheWriteInputTokens: 30,
        outputTokens: 2,
      }),
    );
    const { usage } = await client.messages.create(params);
    expect(usage).toMatchObject({
      input_tokens: 10,
      cache_read_input_tokens: 60,
      cache_creation_input_tokens: 30,
      output_tokens: 2,
    });
  });

  it("iterates the default stream's raw events with stream: true", async () => {
    const stream = await client.messages.create({ ...params, stream: true });
    const types: string[] = [];
    let text = "";
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
    }
    expect(text).toBe("Hello from fake claude-sonnet-4-0");
    expect(types[0]).toBe("message_start");
    expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(types).not.toContain("ping");
  });

  it("builds the final message and its combined usage with messages.stream", async () => {
    fake.enqueueChat(
      fake.replies.stream(["Bonjour", " le", " monde"], { usage: { inputTokens: 20, outputTokens: 3 } }),
    );
    const pieces: string[] = [];
    const stream = client.messages.stream(params).on("text", (delta) => pieces.push(delta));
    const message = await stream.finalMessage();
    expect(pieces).toEqual(["Bonjour", " le", " monde"]);
    expect(message.content).toEqual([{ type: "text", text: "Bonjour le monde" }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage).toMatchObject({ input_tokens: 20, output_tokens: 3 });
  });

  it("accepts a non-streamed tool_use answer", async () => {
    fake.enqueueChat(fake.replies.toolCall("get_weather", '{"location":"Paris"}'));
    const message = await client.messages.create(params);
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toEqual([
      {
        type: "tool_use",
        id: expect.stringMatching(/^toolu_/),
        name: "get_weather",
        input: { location: "Paris" },
      },
    ]);
  });

  it("assembles streamed tool_use input from its JSON fragments", async () => {
    fake.enqueueChat(
      fake.replies.toolCallStream(
        [
          { name: "get_weather", argumentsJson: '{"location":"Paris","unit":"celsius"}' },
          { name: "get_time", argumentsJson: '{"timezone":"Europe/Paris"}' },
        ],
        { text: "Checking." },
      ),
    );
    const message = await client.messages.stream(params).finalMessage();
    expect(message.stop_reason).toBe("tool_use");
    expect(
      message.content.map((block) => (block.type === "tool_use" ? [block.name, block.input] : block.type)),
    ).toEqual([
      "text",
      ["get_weather", { location: "Paris", unit: "celsius" }],
      ["get_time", { timezone: "Europe/Paris" }],
    ]);
  });

  it.each([
    [429, RateLimitError, "rate_limit_error"],
    [500, InternalServerError, "api_error"],
    [400, BadRequestError, "invalid_request_error"],
    [401, AuthenticationError, "authentication_error"],
    [529, OverloadedError, "overloaded_error"],
  ] as const)("raises HTTP %i as the SDK's %o", async (status, errorClass, type) => {
    fake.enqueueChat(fake.replies.error(status, "It failed", { retryAfterSeconds: 3 }));
    const error = await sdkError(client.messages.create(params));
    expect(error).toBeInstanceOf(errorClass);
    expect(error.status).toBe(status);
    expect(error.type).toBe(type);
    expect(error.apiMessage).toBe("It failed");
    expect(error.requestID).toMatch(/^req_/);
    expect(error.headers?.get("retry-after")).toBe("3");
    if (status === 529) expect(error).toBeInstanceOf(InternalServerError);
  });

  it("raises a streamed request's HTTP error before any event", async () => {
    fake.enqueueChat(fake.replies.error(529, "Overloaded"));
    const error = await sdkError(client.messages.stream(params).finalMessage());
    expect(error).toBeInstanceOf(OverloadedError);
  });

  it("raises the in-band overloaded_error event as an APIError of that type", async () => {
    fake.enqueueChat(fake.replies.streamError(["Once", " upon"]));
    const pieces: string[] = [];
    const error = await sdkError(
      (async () => {
        for await (const event of await client.messages.create({ ...params, stream: true })) {
          if (event.type === "content_block_delta" && event.delta.type === "text_delta")
            pieces.push(event.delta.text);
        }
      })(),
    );
    expect(pieces).toEqual(["Once", " upon"]);
    expect(error.type).toBe("overloaded_error");
    expect(error.apiMessage).toBe("Overloaded");
  });
});

describe("fake default responder", () => {
  const post = (headers: Record<string, string>, body: unknown) =>
    fetch(`${fake.baseUrl}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  it("answers a missing key with 401 authentication_error, as the API does", async () => {
    const response = await post({ "anthropic-version": "2023-06-01" }, params);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
  });

  it("answers a missing version header or max_tokens with 400 invalid_request_error", async () => {
    const noVersion = await post({ "x-api-key": "k" }, params);
    expect(noVersion.status).toBe(400);
    const { max_tokens: _dropped, ...withoutMaxTokens } = params;
    const noMaxTokens = await post({ "x-api-key": "k", "anthropic-version": "2023-06-01" }, withoutMaxTokens);
    expect(noMaxTokens.status).toBe(400);
    expect(await noMaxTokens.json()).toMatchObject({
      error: { type: "invalid_request_error", message: "max_tokens: Field required" },
    });
  });

  it("sizes its usage from the request, deterministically", async () => {
    const short = await client.messages.create(params);
    const again = await client.messages.create(params);
    const long = await client.messages.create({
      ...params,
      messages: [{ role: "user", content: "Hello ".repeat(200) }],
    });
    expect(again.usage).toEqual(short.usage);
    expect(long.usage.input_tokens).toBeGreaterThan(short.usage.input_tokens + 250);
  });

  it("counts a prompt through messages.countTokens as a message on it would bill", async () => {
    const prompt = {
      model: params.model,
      system: "Answer in French.",
      messages: [{ role: "user" as const, content: "Hello ".repeat(40) }],
    };
    const counted = await client.messages.countTokens(prompt);
    const billed = await client.messages.create({ ...prompt, max_tokens: 64 });
    expect(counted).toEqual({ input_tokens: billed.usage.input_tokens });
    const [call] = fake.countTokensCalls();
    expect(call?.path).toBe("/v1/messages/count_tokens");
    expect(call?.body).toEqual(prompt);
  });

  it("refuses generation fields on count_tokens, as the API does", async () => {
    const error = await sdkError(
      client.messages.countTokens({ ...params } as Parameters<typeof client.messages.countTokens>[0]),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toContain("max_tokens: Extra inputs are not permitted");
  });
});

describe("@anthropic-ai/sdk against the fake: system messages inside messages", () => {
  const withSystemMessage = (model: string, messages: Anthropic.MessageParam[]) => ({
    model,
    max_tokens: 64,
    system: "You are terse.",
    messages,
  });
  const instructions: Anthropic.MessageParam = {
    role: "system",
    content: [{ type: "text", text: "Use the gw tools.", cache_control: { type: "ephemeral" } }],
  };

  it("takes one after a user turn on Claude Opus 4.8 (and later models), streamed or not, counted too", async () => {
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Say hello." }, instructions];
    const plain = await client.messages.create(withSystemMessage("claude-opus-4-8", messages));
    expect(plain.content).toEqual([{ type: "text", text: "Hello from fake claude-opus-4-8" }]);
    const streamed = await client.messages
      .stream(withSystemMessage("claude-opus-5", messages))
      .finalMessage();
    expect(streamed.stop_reason).toBe("end_turn");
    const counted = await client.messages.countTokens({ model: "claude-opus-4-8", messages });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(fake.chatCalls().map((call) => (call.body as { messages: unknown }).messages)).toEqual([
      messages,
      messages,
    ]);
  });

  it("refuses one on older models with the API's 400, in messages and in count_tokens", async () => {
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Say hello." }, instructions];
    for (const model of ["claude-opus-4-6", "claude-sonnet-4-0", "claude-haiku-4-5", "claude-opus-4-7"]) {
      const error = await sdkError(client.messages.create(withSystemMessage(model, messages)));
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error.error).toMatchObject({
        type: "error",
        error: { type: "invalid_request_error", message: "role 'system' is not supported on this model" },
      });
    }
    const counted = await sdkError(client.messages.countTokens({ model: "claude-opus-4-6", messages }));
    expect(counted.message).toContain("role 'system' is not supported on this model");
  });

  it("refuses one out of place, or with other than text, even on Claude Opus 4.8", async () => {
    const user: Anthropic.MessageParam = { role: "user", content: "Hi" };
    const assistant: Anthropic.MessageParam = { role: "assistant", content: "Hello" };
    const system: Anthropic.MessageParam = { role: "system", content: "Be brief." };
    const image = {
      role: "system",
      content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "iVBOR" } }],
    } as unknown as Anthropic.MessageParam;
    const cases: Array<[Anthropic.MessageParam[], string]> = [
      [[system, user], "messages.0: use the top-level 'system' parameter for the initial system prompt"],
      [[user, assistant, system], "messages.2: role 'system' must follow a 'user' message"],
      [
        [user, system, user],
        "messages.1: role 'system' must precede an 'assistant' message or end the array",
      ],
      [[user, system, system], "messages.1: consecutive 'system' messages are not allowed"],
      [[user, image], "messages.1.content.0: a 'system' message takes text blocks only"],
    ];
    for (const [messages, refusal] of cases) {
      const error = await sdkError(client.messages.create(withSystemMessage("claude-opus-4-8", messages)));
      expect(error.status).toBe(400);
      expect(error.message).toContain(refusal);
    }
    expect(fake.chatCalls()).toHaveLength(cases.length);
  });
});

describe("@anthropic-ai/sdk against the fake: prompt caching", () => {
  // ~2,400 tokens at four characters a token: above Sonnet 4's 1,024-token minimum.
  const longRules = "Answer in French and cite the handbook section. ".repeat(200);
  const cachedParams = (ttl?: "5m" | "1h") => ({
    ...params,
    system: [
      {
        type: "text" as const,
        text: longRules,
        cache_control: { type: "ephemeral" as const, ...(ttl ? { ttl } : {}) },
      },
    ],
  });

  it("writes a long marked prefix the first time and reads it the second, reporting both as the API does", async () => {
    const first = await client.messages.create(cachedParams("1h"));
    expect(first.usage.cache_read_input_tokens).toBe(0);
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(1024);
    expect(first.usage.cache_creation).toEqual({
      ephemeral_5m_input_tokens: 0,
      ephemeral_1h_input_tokens: first.usage.cache_creation_input_tokens,
    });

    const second = await client.messages.create(cachedParams("1h"));
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    expect(second.usage.input_tokens).toBe(first.usage.input_tokens);
  });

  it("reports cache usage on message_start when streaming", async () => {
    const body = {
      ...cachedParams(),
      system: [{ ...cachedParams().system[0], text: `${longRules} (streamed)` }],
    };
    const stream = client.messages.stream(body as typeof params);
    const message = await stream.finalMessage();
    expect(message.usage.cache_creation_input_tokens).toBeGreaterThan(1024);
    expect(message.usage.cache_creation?.ephemeral_5m_input_tokens).toBe(
      message.usage.cache_creation_input_tokens,
    );
  });

  it("caches nothing below the model's minimum length", async () => {
    const short = {
      ...params,
      system: [
        { type: "text" as const, text: "Short rules.", cache_control: { type: "ephemeral" as const } },
      ],
    };
    await client.messages.create(short);
    const again = await client.messages.create(short);
    expect(again.usage.cache_read_input_tokens).toBe(0);
    expect(again.usage.cache_creation_input_tokens).toBe(0);
  });

  it("refuses a fifth cache breakpoint with 400", async () => {
    const marked = { type: "text" as const, text: "part", cache_control: { type: "ephemeral" as const } };
    const error = await sdkError(
      client.messages.create({
        ...params,
        messages: [{ role: "user", content: [marked, marked, marked, marked, marked] }],
      }),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toContain("A maximum of 4 blocks with cache_control may be provided. Found 5.");
  });
});

describe("@anthropic-ai/sdk against the fake: extended thinking", () => {
  const thinking = { type: "enabled" as const, budget_tokens: 1024 };
  const tool = { name: "get_weather", input_schema: { type: "object" as const, properties: {} } };

  it("parses thinking, signature and redacted thinking blocks", async () => {
    fake.enqueueChat(
      fake.replies.thinkingText("Let me think.", "42.", { redactedData: "EmwKAhgBEgy3va3pzix" }),
    );
    const message = await client.messages.create({ ...params, max_tokens: 2048, thinking });
    expect(message.content).toEqual([
      { type: "thinking", thinking: "Let me think.", signature: expect.any(String) },
      { type: "redacted_thinking", data: "EmwKAhgBEgy3va3pzix" },
      { type: "text", text: "42." },
    ]);
  });

  it("streams thinking_delta and signature_delta events the SDK assembles into a signed block", async () => {
    fake.enqueueChat(
      fake.replies.thinkingToolCallStream(["I need ", "the weather."], {
        name: "get_weather",
        argumentsJson: '{"city":"Paris"}',
      }),
    );
    const message = await client.messages
      .stream({ ...params, max_tokens: 2048, thinking, tools: [tool] })
      .finalMessage();
    expect(message.content[0]).toEqual({
      type: "thinking",
      thinking: "I need the weather.",
      signature: expect.any(String),
    });
    expect(message.content[1]).toMatchObject({
      type: "tool_use",
      name: "get_weather",
      input: { city: "Paris" },
    });
  });

  it("with thinking on, refuses a tool_result turn whose assistant turn lost its thinking block, and accepts it sent back", async () => {
    fake.enqueueChat(
      fake.replies.thinkingToolCall("Call the tool.", { name: "get_weather", argumentsJson: "{}" }),
    );
    const first = await client.messages.create({ ...params, max_tokens: 2048, thinking, tools: [tool] });
    const toolUse = first.content.find((block) => block.type === "tool_use");
    if (toolUse?.type !== "tool_use") throw new Error("expected a tool_use block");
    const result = {
      role: "user" as const,
      content: [{ type: "tool_result" as const, tool_use_id: toolUse.id, content: "Sunny" }],
    };
    const withoutThinking = first.content.filter((block) => block.type !== "thinking");

    const refused = await sdkError(
      client.messages.create({
        ...params,
        max_tokens: 2048,
        thinking,
        tools: [tool],
        messages: [...params.messages, { role: "assistant", content: withoutThinking }, result],
      }),
    );
    expect(refused).toBeInstanceOf(BadRequestError);
    expect(refused.message).toContain(
      "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`",
    );

    const accepted = await client.messages.create({
      ...params,
      max_tokens: 2048,
      thinking,
      tools: [tool],
      messages: [...params.messages, { role: "assistant", content: first.content }, result],
    });
    expect(accepted.content[0]?.type).toBe("thinking");

    const tampered = first.content.map((block) =>
      block.type === "thinking" ? { ...block, thinking: "Something else." } : block,
    );
    const forged = await sdkError(
      client.messages.create({
        ...params,
        max_tokens: 2048,
        thinking,
        tools: [tool],
        messages: [...params.messages, { role: "assistant", content: tampered }, result],
      }),
    );
    expect(forged.message).toContain("Invalid `signature` in `thinking` block");
  });
});

describe("@anthropic-ai/sdk against the fake: a scripted message to a call that streams", () => {
  const thinking = { type: "enabled" as const, budget_tokens: 1024 };
  const tool = { name: "get_weather", input_schema: { type: "object" as const, properties: {} } };
  const request = { ...params, max_tokens: 2048, thinking, tools: [tool] };

  /** The same scripted reply to a plain call and to a streamed one, both as the SDK reads them. */
  async function bothWays(reply: FakeResponse) {
    fake.enqueueChat(reply, reply);
    const whole = await client.messages.create(request);
    const streamed = await client.messages.stream(request).finalMessage();
    expect(fake.chatCalls()[1]?.body).toMatchObject({ stream: true });
    // The stream helper adds fields of its own (`parsed_output`); everything the API said is the same.
    expect(streamed).toMatchObject(whole);
    return streamed;
  }

  it("streams replies.text with its cache reads and writes in the usage", async () => {
    const message = await bothWays(
      fake.replies.text("Cached and fresh.", {
        inputTokens: 100,
        cachedInputTokens: 60,
        cacheWriteInputTokens: 30,
        cacheWrite1hInputTokens: 10,
        outputTokens: 5,
      }),
    );
    expect(message.usage).toMatchObject({ cache_read_input_tokens: 60, cache_creation_input_tokens: 30 });
  });

  it("streams replies.toolCall, a stop reason and thinking blocks as the same message", async () => {
    await bothWays(fake.replies.toolCall("get_weather", '{"location":"Paris","days":[1,2]}'));
    const cut = await bothWays(fake.replies.textWithStopReason("Cut sh", "max_tokens"));
    expect(cut.stop_reason).toBe("max_tokens");
    const thought = await bothWays(
      fake.replies.thinkingText("Let me think.", "42.", { redactedData: "EmwKAhgBEgy3va3pzix" }),
    );
    expect(thought.content.map((block) => block.type)).toEqual(["thinking", "redacted_thinking", "text"]);
    await bothWays(
      fake.replies.thinkingToolCall("Call the tool.", { name: "get_weather", argumentsJson: "{}" }),
    );
  });

  it("keeps the scripted signature, which the fake verifies when the block comes back", async () => {
    fake.enqueueChat(
      fake.replies.thinkingToolCall("Call the tool.", { name: "get_weather", argumentsJson: "{}" }),
    );
    const first = await client.messages.stream(request).finalMessage();
    const toolUse = first.content.find((block) => block.type === "tool_use");
    if (toolUse?.type !== "tool_use") throw new Error("expected a tool_use block");
    const accepted = await client.messages.create({
      ...request,
      messages: [
        ...params.messages,
        { role: "assistant", content: first.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: toolUse.id, content: "Sunny" }] },
      ],
    });
    expect(accepted.content[0]?.type).toBe("thinking");
  });

  it("answers an error as it is, before any stream", async () => {
    fake.enqueueChat(fake.replies.error(529, "Overloaded"));
    const error = await sdkError(client.messages.stream(request).finalMessage());
    expect(error).toBeInstanceOf(OverloadedError);
  });
});
