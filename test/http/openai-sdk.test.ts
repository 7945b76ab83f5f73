import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

describe("the official openai SDK against the gateway", () => {
  let harness: Harness;
  let client: OpenAI;
  beforeAll(async () => {
    harness = await startHarness({ env: { LLM_GATEWAY_MAX_RETRIES: "0" } });
    client = new OpenAI({
      apiKey: "unused-without-client-keys",
      baseURL: `${harness.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { "x-project-id": "proj-openai", "x-agent-id": "sdk-agent" },
    });
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => harness.close());

  it("chats on a model group; the answering model and provider come back", async () => {
    const { anthropic } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.text("Hello from Claude", { inputTokens: 10, outputTokens: 4 }));
    const { data, response } = await client.chat.completions
      .create({ model: "reasoning", messages: [{ role: "user", content: "Hi" }] })
      .withResponse();
    expect(data.model).toBe("claude-opus-4-5");
    expect(data.choices[0]?.message.content).toBe("Hello from Claude");
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 });
    expect(response.headers.get("x-llm-gateway-provider")).toBe("anthropic");
    expect(response.headers.get("x-llm-gateway-attempts")).toBe("1");
    // 10 x $5 + 4 x $25 per million tokens
    expect(response.headers.get("x-llm-gateway-cost-usd")).toBe("0.00015");
    const sent = anthropic.chatCalls()[0]?.body as { model: string; messages: unknown[] };
    expect(sent.model).toBe("claude-opus-4-5");
  });

  it("chats on a concrete catalog model and passes sampling fields through", async () => {
    const { openai } = harness.fakes;
    await client.chat.completions.create({
      model: "gpt-4.1-mini",
      messages: [
        { role: "system", content: "Be brief" },
        { role: "user", content: "Hi" },
      ],
      temperature: 0.2,
      top_p: 0.9,
      max_completion_tokens: 50,
      stop: ["END"],
      user: "end-user-7",
      // Unknown fields are ignored, as OpenAI-compatible servers do.
      ...({ some_vendor_extension: true } as object),
    });
    expect(openai.chatCalls()[0]?.body).toMatchObject({
      model: "gpt-4.1-mini",
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 50,
      stop: ["END"],
      user: "end-user-7",
    });
  });

  it("streams chunk by chunk, with a final usage chunk when asked", async () => {
    const { anthropic } = harness.fakes;
    anthropic.enqueueChat(
      anthropic.replies.stream(["Hel", "lo", " there"], { usage: { inputTokens: 9, outputTokens: 3 } }),
    );
    const stream = await client.chat.completions.create({
      model: "reasoning",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const pieces: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) pieces.push(choice.delta.content);
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
      expect(chunk.model).toBe("claude-opus-4-5");
    }
    expect(pieces.join("")).toBe("Hello there");
    expect(finish).toBe("stop");
    // claude-opus-4-5 at $5 / $25 per million tokens: the booked cost rides along, as headers cannot.
    expect(usage).toMatchObject({
      prompt_tokens: 9,
      completion_tokens: 3,
      total_tokens: 12,
      cost_usd: 0.00012,
    });
  });

  it("ends a stream whose provider reported no usage with the gateway's own count, as booked", async () => {
    const { openai } = harness.fakes;
    const chunk = (delta: object, finish: string | null = null) => ({
      data: JSON.stringify({
        id: "chatcmpl-upstream",
        object: "chat.completion.chunk",
        created: 1_700_000_000,
        model: "gpt-4.1-mini",
        choices: [{ index: 0, delta, finish_reason: finish }],
      }),
    });
    // An OpenAI-compatible server that ignores stream_options.include_usage.
    openai.enqueueChat({
      type: "sse",
      events: [chunk({ role: "assistant", content: "Short" }), chunk({}, "stop"), { data: "[DONE]" }],
    });
    const stream = await client.chat.completions.create(
      {
        model: "gpt-4.1-mini",
        messages: [{ role: "user", content: "Hi" }],
        stream: true,
        stream_options: { include_usage: true },
      },
      { headers: { "x-project-id": "proj-stream-estimate" } },
    );
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const received of stream) chunks.push(received);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    const usage = last?.usage as (OpenAI.CompletionUsage & { cost_usd: number }) | undefined;
    expect(usage?.completion_tokens).toBe(1); // "Short" is one o200k_base token
    expect(usage?.prompt_tokens).toBeGreaterThan(0);
    const report = (await (
      await fetch(`${harness.url}/v1/usage?project_id=proj-stream-estimate&period=all`)
    ).json()) as { input_tokens: number; output_tokens: number; cost_usd: number };
    expect(report).toMatchObject({
      input_tokens: usage?.prompt_tokens,
      output_tokens: 1,
      cost_usd: usage?.cost_usd,
    });
    expect(usage?.cost_usd).toBeGreaterThan(0);
  });

  it("streams without a usage chunk when the caller did not ask, but still asks upstream", async () => {
    const { openai } = harness.fakes;
    const stream = await client.chat.completions.create({
      model: "gpt-4.1",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    expect(openai.chatCalls()[0]?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("round-trips a tool call", async () => {
    const { openai } = harness.fakes;
    openai.enqueueChat(openai.replies.toolCall("get_weather", '{"city":"Paris"}'));
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Weather for a city",
          parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        },
      },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
    const first = await client.chat.completions.create({
      model: "gpt-4.1",
      messages,
      tools,
      tool_choice: "auto",
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call).toMatchObject({
      type: "function",
      function: { name: "get_weather", arguments: '{"city":"Paris"}' },
    });
    openai.enqueueChat(openai.replies.text("It is sunny in Paris."));
    const second = await client.chat.completions.create({
      model: "gpt-4.1",
      tools,
      messages: [
        ...messages,
        first.choices[0]?.message as OpenAI.ChatCompletionMessageParam,
        { role: "tool", tool_call_id: call?.id ?? "", content: '{"sky":"sunny"}' },
      ],
    });
    expect(second.choices[0]?.message.content).toBe("It is sunny in Paris.");
    const sent = openai.chatCalls()[1]?.body as { messages: Array<{ role: string; tool_call_id?: string }> };
    expect(sent.messages.at(-1)).toMatchObject({ role: "tool", tool_call_id: call?.id });
    expect(sent.messages.at(-2)).toMatchObject({ role: "assistant", tool_calls: [{ id: call?.id }] });
  });

  it("embeds, decoding the SDK's default base64 encoding", async () => {
    const result = await client.embeddings.create({ model: "embedding", input: ["alpha", "beta"] });
    expect(result.data).toHaveLength(2);
    expect(result.model).toBe("text-embedding-3-large");
    expect(result.data[0]?.embedding.length).toBeGreaterThan(0);
    expect(result.usage.prompt_tokens).toBeGreaterThan(0);
    const floats = await client.embeddings.create({
      model: "embedding",
      input: "alpha",
      encoding_format: "float",
    });
    // base64 carries float32: the same vector, rounded to single precision.
    expect(result.data[0]?.embedding).toEqual(floats.data[0]?.embedding.map((value) => Math.fround(value)));
  });

  it("lists groups and catalog models", async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "reasoning",
        "code",
        "fast",
        "vision",
        "embedding",
        "claude-opus-4-5",
        "voyage-3",
      ]),
    );
    expect((await client.models.retrieve("gpt-4.1")).owned_by).toBe("openai");
  });

  it("surfaces each error class as the SDK's matching error type", async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Hi" }];
    await expect(
      client.chat.completions.create({ model: "reasoning", messages, top_logprobs: 2 }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(client.chat.completions.create({ model: "gpt-9", messages })).rejects.toBeInstanceOf(
      OpenAI.NotFoundError,
    );
    await expect(client.chat.completions.create({ model: "reasoning", messages: [] })).rejects.toMatchObject({
      status: 400,
      error: { param: "messages", code: "GW_ERR_INVALID_REQUEST" },
    });
    const { anthropic, openai, google } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.error(500, "down"));
    openai.enqueueChat(openai.replies.error(500, "down"));
    google.enqueueChat(google.replies.error(500, "down"));
    const allFailed = await client.chat.completions
      .create({ model: "reasoning", messages })
      .catch((error) => error);
    expect(allFailed).toBeInstanceOf(OpenAI.InternalServerError);
    expect(allFailed.status).toBe(502);
    expect(allFailed.message).toContain("Every provider failed");
    expect(allFailed.message).toContain("3. google/gemini-2.5-pro: failed");
  });
});
