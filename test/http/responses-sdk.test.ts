import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FakeAnthropic } from "../../src/fakes/anthropic/fake-anthropic.js";
import { deepSeekFlavor } from "../../src/fakes/deepseek/fake-deepseek.js";
import { openAiResponsesPath, openAiResponsesReplies } from "../../src/fakes/openai/fake-openai-responses.js";
import { streamReply } from "../../src/fakes/openai/openai-style-fake.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

/** agentic = openai (gpt-4.1, native) -> anthropic (claude-sonnet-4, translated) */
describe("the official openai SDK's responses API against the gateway's Responses door", () => {
  let harness: Harness;
  const clientFor = (project: string) =>
    new OpenAI({
      apiKey: "unused-without-client-keys",
      baseURL: `${harness.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { "x-project-id": project, "x-agent-id": "codex" },
    });
  const usageOf = async (project: string) =>
    (await (await fetch(`${harness.url}/v1/usage?project_id=${project}&period=all`)).json()) as {
      requests: number;
      input_tokens: number;
      output_tokens: number;
      cached_input_tokens: number;
      by_model: Record<string, { requests: number }>;
    };
  const responsesCalls = () => harness.fakes.openai.server.callsTo(openAiResponsesPath);
  const enqueueResponses = (...replies: Parameters<Harness["fakes"]["openai"]["enqueueChat"]>) =>
    harness.fakes.openai.server.enqueue(openAiResponsesPath, ...replies);

  beforeAll(async () => {
    harness = await startHarness({
      // Failover is what is tested here, not the breaker: OpenAI's circuit must not open between tests.
      env: { LLM_GATEWAY_MAX_RETRIES: "0", LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "100" },
      configYaml: "model_groups:\n  agentic: [gpt-4.1, claude-sonnet-4]\n",
    });
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => harness.close());

  it("responses.create: OpenAI gets the client's body whole (encrypted reasoning and all) and its answer comes back as is", async () => {
    enqueueResponses(
      openAiResponsesReplies.json({
        text: "Hello from OpenAI",
        reasoning: { summary: "Thought briefly", encryptedContent: "gAAAA-opaque" },
        usage: { inputTokens: 20, outputTokens: 8, cachedInputTokens: 5, reasoningTokens: 3 },
      }),
    );
    const params = {
      model: "agentic",
      input: [
        { role: "developer" as const, content: "Be brief" },
        { role: "user" as const, content: "Hi" },
        {
          type: "reasoning" as const,
          id: "rs_1",
          summary: [],
          encrypted_content: "gAAAA-earlier",
        },
      ],
      tools: [{ type: "web_search" as const }],
      reasoning: { summary: "auto" as const },
      include: ["reasoning.encrypted_content" as const],
      store: false,
      prompt_cache_key: "session-1",
    };
    const { data, response } = await clientFor("proj-responses-native")
      .responses.create(params)
      .withResponse();
    expect(data.output_text).toBe("Hello from OpenAI");
    expect(data.output[0]).toMatchObject({ type: "reasoning", encrypted_content: "gAAAA-opaque" });
    expect(data.usage).toMatchObject({
      input_tokens: 20,
      output_tokens: 8,
      input_tokens_details: { cached_tokens: 5 },
      output_tokens_details: { reasoning_tokens: 3 },
    });
    expect(response.headers.get("x-llm-gateway-provider")).toBe("openai");
    expect(response.headers.get("x-llm-gateway-dropped-tools")).toBeNull();
    // One answer, streamed from OpenAI (liveness is bytes): the body is the terminal event's Response.
    expect(responsesCalls()[0]?.body).toEqual({ ...params, model: "gpt-4.1", stream: true });
    const usage = await usageOf("proj-responses-native");
    expect(usage).toMatchObject({ requests: 1, input_tokens: 20, output_tokens: 8, cached_input_tokens: 5 });
  });

  it("responses.stream natively: OpenAI's own events reach the client, usage is booked from response.completed", async () => {
    enqueueResponses(
      openAiResponsesReplies.stream({
        text: "Streamed natively",
        usage: { inputTokens: 30, outputTokens: 4 },
      }),
    );
    const stream = clientFor("proj-responses-native-stream").responses.stream({
      model: "agentic",
      input: "Hi",
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    const final = await stream.finalResponse();
    expect(final.output_text).toBe("Streamed natively");
    expect(types[0]).toBe("response.created");
    expect(types.at(-1)).toBe("response.completed");
    expect(await usageOf("proj-responses-native-stream")).toMatchObject({
      requests: 1,
      input_tokens: 30,
      output_tokens: 4,
    });
  });

  it("OpenAI 500 before any output: Anthropic answers the translation, web_search named as dropped", async () => {
    const { anthropic, openai } = harness.fakes;
    enqueueResponses(openai.replies.error(500, "boom"));
    anthropic.enqueueChat(anthropic.replies.text("Hello from Claude", { inputTokens: 11, outputTokens: 5 }));
    const { data, response } = await clientFor("proj-responses-failover")
      .responses.create({
        model: "agentic",
        instructions: "Be brief",
        input: [{ role: "user", content: [{ type: "input_text", text: "Hi" }] }],
        tools: [{ type: "web_search" }],
        max_output_tokens: 100,
      })
      .withResponse();
    expect(data.output_text).toBe("Hello from Claude");
    expect(data).toMatchObject({ object: "response", status: "completed", model: "claude-sonnet-4" });
    expect(data.usage).toMatchObject({ input_tokens: 11, output_tokens: 5, total_tokens: 16 });
    expect(response.headers.get("x-llm-gateway-provider")).toBe("anthropic");
    expect(response.headers.get("x-llm-gateway-dropped-tools")).toBe("web_search");
    const sent = anthropic.chatCalls()[0]?.body as Record<string, unknown>;
    expect(sent).toMatchObject({ system: [{ type: "text", text: "Be brief" }], max_tokens: 100 });
    expect(sent.tools).toBeUndefined();
    expect(await usageOf("proj-responses-failover")).toMatchObject({
      requests: 1,
      input_tokens: 11,
      output_tokens: 5,
    });
  });

  it("a function-tool round trip translated, streamed: the exact event sequence, then function_call_output carried back", async () => {
    const { openai } = harness.fakes;
    const anthropic = harness.fakes.anthropic as FakeAnthropic;
    enqueueResponses(openai.replies.error(429, "slow down"), openai.replies.error(429, "slow down"));
    anthropic.enqueueChat(
      anthropic.replies.toolCallStream([{ name: "get_weather", argumentsJson: '{"city":"Paris"}' }]),
    );
    const client = clientFor("proj-responses-tools");
    const tools = [
      {
        type: "function" as const,
        name: "get_weather",
        description: "Weather of a city",
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        strict: false,
      },
    ];
    const stream = client.responses.stream({ model: "agentic", input: "Weather in Paris?", tools });
    const events: Array<{ type: string; sequence_number: number }> = [];
    for await (const event of stream) events.push(event);
    const first = await stream.finalResponse();
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    // Consecutive deltas as one: the argument fragments are the provider's.
    const sequence = events.map((event) => event.type).filter((type, index, all) => type !== all[index - 1]);
    expect(sequence).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    const call = first.output.find((item) => item.type === "function_call");
    expect(call).toMatchObject({ name: "get_weather", arguments: '{"city":"Paris"}' });
    if (call?.type !== "function_call") throw new Error("no function call");

    anthropic.enqueueChat(anthropic.replies.text("It is sunny."));
    const second = await client.responses.create({
      model: "agentic",
      input: [
        { role: "user", content: "Weather in Paris?" },
        call,
        { type: "function_call_output", call_id: call.call_id, output: "sunny, 21C" },
      ],
      tools,
      stream: false,
    });
    expect(second.output_text).toBe("It is sunny.");
    const sent = anthropic.chatCalls()[1]?.body as { messages: unknown[] };
    expect(sent.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
      {
        role: "assistant",
        content: [{ type: "tool_use", id: call.call_id, name: "get_weather", input: { city: "Paris" } }],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: call.call_id, content: [{ type: "text", text: "sunny, 21C" }] },
        ],
      },
    ]);
    expect((await usageOf("proj-responses-tools")).requests).toBe(2);
  });

  it("structured output via text.format json_schema reaches a translated deployment as a response format", async () => {
    const { anthropic, openai } = harness.fakes;
    enqueueResponses(openai.replies.error(503, "down"));
    anthropic.enqueueChat(anthropic.replies.text('{"answer":42}'));
    const response = await clientFor("proj-responses-json").responses.create({
      model: "agentic",
      input: "The answer?",
      text: {
        format: {
          type: "json_schema",
          name: "answer",
          schema: { type: "object", properties: { answer: { type: "number" } }, required: ["answer"] },
          strict: true,
        },
      },
    });
    expect(JSON.parse(response.output_text)).toEqual({ answer: 42 });
    expect(JSON.stringify(anthropic.chatCalls()[0]?.body)).toContain('"answer"');
  });

  it("previous_response_id goes only to OpenAI; with OpenAI down the SDK gets a 502 naming why Anthropic was skipped", async () => {
    const { openai } = harness.fakes;
    enqueueResponses(openai.replies.error(500, "boom"));
    const error = await clientFor("proj-responses-prev")
      .responses.create({ model: "agentic", input: "And then?", previous_response_id: "resp_abc" })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toContain("previous_response_id");
    expect(harness.fakes.anthropic.chatCalls()).toHaveLength(0);
  });

  it("model: a catalog model goes to it natively; an OpenAI id no catalog knows follows its alias to a group", async () => {
    const anthropic = harness.fakes.anthropic as FakeAnthropic;
    const client = clientFor("proj-responses-models");
    const direct = await client.responses.create({ model: "gpt-4.1", input: "Hi" }).withResponse();
    expect(direct.data.output_text).toBe("Hello from fake gpt-4.1");
    expect(direct.response.headers.get("x-llm-gateway-model")).toBe("gpt-4.1");

    anthropic.enqueueChat(anthropic.replies.text("Hello from the code group"));
    const aliased = await client.responses.create({ model: "gpt-5.1-codex-max", input: "Hi" }).withResponse();
    expect(aliased.data.output_text).toBe("Hello from the code group");
    // code = claude-sonnet-4 -> gpt-4.1 -> deepseek-coder: the answer names the model that answered.
    expect(aliased.data.model).toBe("claude-sonnet-4");
    expect(aliased.response.headers.get("x-llm-gateway-provider")).toBe("anthropic");

    const unknown = await client.responses
      .create({ model: "gpt-9", input: "Hi" })
      .catch((caught: unknown) => caught);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("DeepSeek and Gemini answer the translation: DeepSeek's reasoning streams as a reasoning summary", async () => {
    const client = clientFor("proj-responses-others");
    harness.fakes.deepseek.enqueueChat(
      streamReply(deepSeekFlavor, {
        pieces: ["Hello ", "there"],
        reasoningPieces: ["A greeting."],
        usage: { inputTokens: 14, outputTokens: 9, reasoningTokens: 3 },
      }),
    );
    const stream = client.responses.stream({ model: "deepseek-coder", input: "Hi" });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    const final = await stream.finalResponse();
    expect(types).toContain("response.reasoning_summary_text.delta");
    expect(final.output.map((item) => item.type)).toEqual(["reasoning", "message"]);
    expect(final.output[0]).toMatchObject({ summary: [{ type: "summary_text", text: "A greeting." }] });
    expect(final.output_text).toBe("Hello there");
    expect(final.usage).toMatchObject({
      input_tokens: 14,
      output_tokens: 9,
      output_tokens_details: { reasoning_tokens: 3 },
    });

    const gemini = await client.responses.create({ model: "gemini-flash", input: "Hi" });
    expect(gemini.output_text).toContain("gemini-2.5-flash");
    expect(gemini.model).toBe("gemini-flash");
    expect((await usageOf("proj-responses-others")).requests).toBe(2);
  });

  it("a request OpenAI refuses natively comes back as OpenAI's 4xx, without failing over", async () => {
    const { openai } = harness.fakes;
    enqueueResponses(openai.replies.error(400, "Invalid value for 'reasoning.effort'."));
    const error = await clientFor("proj-responses-refused")
      .responses.create({ model: "agentic", input: "Hi", reasoning: { effort: "extreme" as "high" } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("reasoning.effort");
    expect(harness.fakes.anthropic.chatCalls()).toHaveLength(0);
  });

  it("bad input is a 400 in OpenAI's envelope, parsed by the SDK, and nothing is booked", async () => {
    const error = await clientFor("proj-responses-bad")
      .responses.create({ model: "agentic", input: 42 as unknown as string })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({
      type: "invalid_request_error",
      param: "input",
    });
    expect((await usageOf("proj-responses-bad")).requests).toBe(0);
  });

  it("a native stream failing before its first output item fails over invisibly to Anthropic", async () => {
    const anthropic = harness.fakes.anthropic as FakeAnthropic;
    enqueueResponses(openAiResponsesReplies.streamFailed([]));
    anthropic.enqueueChat(anthropic.replies.stream(["Claude ", "took over"]));
    const stream = clientFor("proj-responses-stream-failover").responses.stream({
      model: "agentic",
      input: "Hi",
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect((await stream.finalResponse()).output_text).toBe("Claude took over");
    expect(types.filter((type) => type === "response.created")).toHaveLength(1);
    expect(types).not.toContain("response.failed");
    expect(responsesCalls()).toHaveLength(1);
  });

  it("one answer wanted, OpenAI's stream failing before its first output item: Anthropic answers the translation", async () => {
    const anthropic = harness.fakes.anthropic as FakeAnthropic;
    enqueueResponses(openAiResponsesReplies.streamFailed([]));
    anthropic.enqueueChat(anthropic.replies.text("Claude took over"));
    const { data, response } = await clientFor("proj-responses-failover-whole")
      .responses.create({ model: "agentic", input: "Hi" })
      .withResponse();
    expect(data.output_text).toBe("Claude took over");
    expect(response.headers.get("x-llm-gateway-provider")).toBe("anthropic");
    expect(responsesCalls()[0]?.body).toMatchObject({ stream: true });
  });

  it("one answer wanted, OpenAI's stream failing after output started: GW_ERR_STREAM_INTERRUPTED, usage booked", async () => {
    enqueueResponses(openAiResponsesReplies.streamFailed(["Half ", "an answer"]));
    const failure = await clientFor("proj-responses-cut-whole")
      .responses.create({ model: "agentic", input: "Hi" })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(String((failure as Error).message)).toContain("after it had started answering");
    expect((failure as InstanceType<typeof OpenAI.APIError>).code).toBe("GW_ERR_STREAM_INTERRUPTED");
    expect(harness.fakes.anthropic.chatCalls()).toHaveLength(0);
    expect((await usageOf("proj-responses-cut-whole")).requests).toBe(1);
  });

  it("background: true goes to OpenAI unstreamed: it answers at once, queued, and a stream would be the whole generation", async () => {
    enqueueResponses(openAiResponsesReplies.json({ text: "Queued answer" }));
    const data = await clientFor("proj-responses-background").responses.create({
      model: "agentic",
      input: "Hi",
      background: true,
    });
    expect(data.output_text).toBe("Queued answer");
    expect(responsesCalls()[0]?.body).toMatchObject({ background: true, stream: false });
  });

  it("malformed bodies get a 400 naming the field, nothing is called or booked, and the door keeps serving", async () => {
    const bodies = [
      "[]",
      "null",
      '{"model":"agentic"}',
      '{"model":"agentic","input":[{"type":"function_call","name":"f"}]}',
      '{"model":"agentic","input":[{"role":"robot","content":"hi"}]}',
      '{"model":"agentic","input":"hi","tools":[{"type":"function"}]}',
      '{"model":"agentic","input":"hi","text":{"format":{"type":"json_schema"}}}',
      '{"model":"agentic","input":"hi","max_output_tokens":-1}',
      '{"model":"agentic","input":"hi","metadata":{"a":{"b":1}}}',
      `{"model":"agentic","input":${"[".repeat(2000)}${"]".repeat(2000)}}`,
    ];
    for (const body of bodies) {
      const response = await fetch(`${harness.url}/v1/responses`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-project-id": "proj-responses-hostile" },
        body,
      });
      expect(response.status, body.slice(0, 80)).toBe(400);
      expect(((await response.json()) as { error: { type: string } }).error.type).toBe(
        "invalid_request_error",
      );
    }
    expect(responsesCalls()).toHaveLength(0);
    expect((await usageOf("proj-responses-hostile")).requests).toBe(0);
    expect(
      (await clientFor("proj-responses-hostile").responses.create({ model: "gpt-4.1", input: "Hi" })).status,
    ).toBe("completed");
  });

  it("a stream failing after output started ends with response.failed; delivered usage is still booked", async () => {
    const { anthropic, openai } = harness.fakes;
    enqueueResponses(openai.replies.error(500, "boom"));
    anthropic.enqueueChat(anthropic.replies.streamError(["Half an "]));
    const response = await fetch(`${harness.url}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-project-id": "proj-responses-cut" },
      body: JSON.stringify({ model: "agentic", input: "Hi", stream: true }),
    });
    const text = await response.text();
    const types = [...text.matchAll(/^event: (.+)$/gm)].map((match) => match[1]);
    expect(types).toContain("response.output_text.delta");
    expect(types.at(-1)).toBe("response.failed");
    expect((await usageOf("proj-responses-cut")).requests).toBe(1);
  });
});

describe("a non-streamed Responses call answered natively outlasts the request timeout while OpenAI writes", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      env: { LLM_GATEWAY_MAX_RETRIES: "0", LLM_GATEWAY_REQUEST_TIMEOUT_SECONDS: "2" },
    });
  });
  afterAll(async () => harness.close());

  it("responses.create gets the exact Response the stream ends with, after more than 2 s", async () => {
    const client = new OpenAI({
      apiKey: "unused-without-client-keys",
      baseURL: `${harness.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { "x-project-id": "proj-responses-long", "x-agent-id": "codex-agent" },
    });
    const pieces = ["A", " long", " answer", " written", " slowly", " by", " the", " model", "."];
    const answer = { text: pieces.join(""), pieces, usage: { inputTokens: 21, outputTokens: 9 } };
    const slow = openAiResponsesReplies.stream(answer, { chunkDelayMs: 250 });
    harness.fakes.openai.server.enqueue(openAiResponsesPath, slow, {
      ...slow,
      chunkDelayMs: 0,
    } as typeof slow);

    const started = Date.now();
    const { data, response } = await client.responses
      .create({ model: "gpt-4.1", input: "Hi" })
      .withResponse();
    expect(Date.now() - started).toBeGreaterThan(2_000);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-llm-gateway-provider")).toBe("openai");
    expect(harness.fakes.openai.server.callsTo(openAiResponsesPath)[0]?.body).toMatchObject({ stream: true });

    // What the SDK's ResponseStream ends with, less the parsing helper's own fields.
    const streamed = await client.responses.stream({ model: "gpt-4.1", input: "Hi" }).finalResponse();
    const helperFields = new Set(["parsed", "output_parsed"]);
    expect(data).toEqual(
      JSON.parse(JSON.stringify(streamed, (key, value) => (helperFields.has(key) ? undefined : value))),
    );
    expect(data).toMatchObject({ object: "response", status: "completed", output_text: pieces.join("") });
    const usage = (await (
      await fetch(`${harness.url}/v1/usage?project_id=proj-responses-long&period=all`)
    ).json()) as { requests: number; input_tokens: number; output_tokens: number };
    expect(usage).toMatchObject({ requests: 2, input_tokens: 42, output_tokens: 9 * 2 });
  });
});
