import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FakeProvider } from "../fake-provider.js";
import { createFakeOpenAi } from "./fake-openai.js";
import { openAiResponsesPath, openAiResponsesReplies } from "./fake-openai-responses.js";

/* The official `openai` SDK's Responses API against the fake: what it accepts makes the fake trustworthy. */

let fake: FakeProvider;
let client: OpenAI;

beforeAll(async () => {
  fake = await createFakeOpenAi();
  client = new OpenAI({ apiKey: "sk-test", baseURL: fake.baseUrl, maxRetries: 0 });
});
afterEach(() => fake.server.reset());
afterAll(() => fake.close());

describe("fake OpenAI with the official SDK: responses", () => {
  it("answers responses.create with the requested model, output text and usage", async () => {
    const { data, response } = await client.responses
      .create({ model: "gpt-4.1", input: "Say hello", store: false })
      .withResponse();
    expect(data).toMatchObject({ object: "response", status: "completed", model: "gpt-4.1" });
    expect(data.id).toMatch(/^resp_/);
    expect(data.output_text).toBe("Hello from fake gpt-4.1");
    expect(data.usage).toMatchObject({ input_tokens: 3, output_tokens: 6, total_tokens: 9 });
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
    expect(fake.server.callsTo(openAiResponsesPath)[0]?.headers.authorization).toBe("Bearer sk-test");
  });

  it("streams with responses.stream: sequence numbers in order, the SDK assembles the final response", async () => {
    fake.server.enqueue(
      openAiResponsesPath,
      openAiResponsesReplies.stream({
        reasoning: { summary: "Thinking", encryptedContent: "gAAAA-x" },
        text: "Hi there",
        functionCall: { name: "exec_command", argumentsJson: '{"cmd":"ls"}' },
        usage: { inputTokens: 9, outputTokens: 4, cachedInputTokens: 2, reasoningTokens: 1 },
      }),
    );
    const stream = client.responses.stream({ model: "gpt-4.1", input: "Hi" });
    const events: Array<{ type: string; sequence_number: number }> = [];
    for await (const event of stream) events.push(event);
    const final = await stream.finalResponse();
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events[0]?.type).toBe("response.created");
    expect(events.at(-1)?.type).toBe("response.completed");
    expect(final.output_text).toBe("Hi there");
    expect(final.output.map((item) => item.type)).toEqual(["reasoning", "message", "function_call"]);
    expect(final.output[2]).toMatchObject({ name: "exec_command", arguments: '{"cmd":"ls"}' });
    expect(final.usage).toMatchObject({
      input_tokens_details: { cached_tokens: 2 },
      output_tokens_details: { reasoning_tokens: 1 },
    });
  });

  it("refuses an unknown parameter and a missing input with OpenAI's 400, which the SDK parses", async () => {
    const unknown = await client.responses
      .create({
        model: "gpt-4.1",
        input: "Hi",
        messages: [],
      } as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming)
      .catch((caught: unknown) => caught);
    expect(unknown).toBeInstanceOf(OpenAI.BadRequestError);
    expect((unknown as InstanceType<typeof OpenAI.BadRequestError>).message).toContain(
      "Unknown parameter: 'messages'",
    );
    const missing = await client.responses
      .create({ model: "gpt-4.1" } as OpenAI.Responses.ResponseCreateParamsNonStreaming)
      .catch((caught: unknown) => caught);
    expect(missing).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it("a failed generation after the stream started ends with response.failed", async () => {
    fake.server.enqueue(openAiResponsesPath, openAiResponsesReplies.streamFailed(["Half"]));
    const stream = await client.responses.create({ model: "gpt-4.1", input: "Hi", stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toContain("response.output_text.delta");
    expect(types.at(-1)).toBe("response.failed");
  });

  it("streams a scripted non-streamed Response when the call streams: same items, text, arguments and usage", async () => {
    const reply = openAiResponsesReplies.json({
      reasoning: { summary: "Listing first.", encryptedContent: "gAAAA-y" },
      text: "Let me look.",
      functionCall: { name: "exec_command", argumentsJson: '{"cmd":"ls -la"}', callId: "call_7" },
      usage: { inputTokens: 30, outputTokens: 12, cachedInputTokens: 16, reasoningTokens: 5 },
    });
    fake.server.enqueue(openAiResponsesPath, reply, reply);
    const whole = await client.responses.create({ model: "gpt-4.1", input: "Hi" });
    const stream = client.responses.stream({ model: "gpt-4.1", input: "Hi" });
    let text = "";
    let argumentsJson = "";
    const sequence: number[] = [];
    for await (const event of stream) {
      sequence.push(event.sequence_number);
      if (event.type === "response.output_text.delta") text += event.delta;
      if (event.type === "response.function_call_arguments.delta") argumentsJson += event.delta;
    }
    const streamed = await stream.finalResponse();
    expect(fake.server.callsTo(openAiResponsesPath)[1]?.body).toMatchObject({ stream: true });
    expect(sequence).toEqual(sequence.map((_, index) => index));
    expect(text).toBe(whole.output_text);
    expect(argumentsJson).toBe('{"cmd":"ls -la"}');
    expect(streamed).toMatchObject({ id: whole.id, status: "completed", model: whole.model });
    expect(streamed.output).toMatchObject(whole.output);
    expect(streamed.usage).toEqual(whole.usage);
  });
});
