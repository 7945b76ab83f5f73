import type { Client } from "@modelcontextprotocol/client";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deepSeekFlavor } from "../../src/fakes/deepseek/fake-deepseek.js";
import { completionReply, streamReply } from "../../src/fakes/openai/openai-style-fake.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";

const messages = [{ role: "user" as const, content: "Where is the weather nicest?" }];

const citySchema = {
  type: "object",
  properties: { city: { type: "string" }, celsius: { type: "number" } },
  required: ["city", "celsius"],
  additionalProperties: false,
};
const cityFormat = {
  type: "json_schema" as const,
  json_schema: { name: "city_weather", schema: citySchema, strict: true },
};

function sdkFor(harness: Harness): OpenAI {
  return new OpenAI({
    apiKey: "unused-without-client-keys",
    baseURL: `${harness.url}/v1`,
    maxRetries: 0,
    defaultHeaders: { "x-project-id": "proj-params", "x-agent-id": "params-agent" },
  });
}

describe("parameters a deployment cannot honour, structured output on DeepSeek, the cost header", () => {
  let harness: Harness;
  let client: OpenAI;
  beforeAll(async () => {
    harness = await startHarness({
      env: { LLM_GATEWAY_MAX_RETRIES: "1" },
      configYaml: "model_groups:\n  structured: [deepseek-coder, gpt-4.1]\n",
    });
    client = sdkFor(harness);
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => harness.close());

  it("skips a deployment that cannot honour a parameter, with the reason in attempts", async () => {
    const { anthropic, openai } = harness.fakes;
    const { data, response } = await client.chat.completions
      .create({ model: "reasoning", messages, logprobs: true, top_logprobs: 2 })
      .withResponse();
    expect(response.headers.get("x-llm-gateway-provider")).toBe("openai");
    expect(response.headers.get("x-llm-gateway-attempts")).toBe("2");
    expect(data.model).toBe("gpt-4.1");
    expect(anthropic.chatCalls()).toHaveLength(0);
    expect(openai.chatCalls()[0]?.body).toMatchObject({ logprobs: true, top_logprobs: 2 });

    const outcome = await harness.gateway.completeChat(
      { messages, modelGroup: "reasoning", logprobs: true },
      { projectId: "proj-params", agentId: "params-agent", door: "openai", requestId: "req-skip-1" },
      { signal: new AbortController().signal },
    );
    expect(outcome.result.attempts[0]).toMatchObject({
      provider: "anthropic",
      model: "claude-opus-4-5",
      outcome: "skipped_unsupported",
      error: "anthropic cannot honour `logprobs`",
    });
    expect(outcome.result.attempts[1]).toMatchObject({ provider: "openai", outcome: "success" });
  });

  it("fails over a reasoning request to a model that does not reason without sending it reasoning_effort", async () => {
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat(
      anthropic.replies.error(529, "Overloaded"),
      anthropic.replies.error(529, "Overloaded"),
    );
    const answer = await client.chat.completions.create({
      model: "reasoning",
      messages,
      reasoning_effort: "high",
    });
    expect(answer.model).toBe("gpt-4.1");
    expect(openai.chatCalls()[0]?.body).not.toHaveProperty("reasoning_effort");
    await client.chat.completions.create({
      model: "o3",
      messages,
      reasoning_effort: "high",
      temperature: 0.2,
    });
    expect(openai.chatCalls()[1]?.body).toMatchObject({ model: "o3", reasoning_effort: "high" });
  });

  it("returns OpenAI's logprobs to the caller", async () => {
    const { openai } = harness.fakes;
    const logprobs = {
      content: [{ token: "Hi", logprob: -0.01, bytes: [72, 105], top_logprobs: [] }],
      refusal: null,
    };
    const reply = openai.replies.text("Hi");
    if (reply.type !== "json") throw new Error("a JSON reply");
    const body = reply.body as { choices: Array<Record<string, unknown>> };
    (body.choices[0] as Record<string, unknown>).logprobs = logprobs;
    openai.enqueueChat(reply);
    const answer = await client.chat.completions.create({ model: "gpt-4.1", messages, logprobs: true });
    expect(answer.choices[0]?.logprobs).toEqual(logprobs);
  });

  it("gives DeepSeek json_object plus the schema in a system message, and returns an answer that matches", async () => {
    const { deepseek } = harness.fakes;
    const json = '{"city":"Lisbon","celsius":24}';
    deepseek.enqueueChat(completionReply(deepSeekFlavor, { content: json }));
    const answer = await client.chat.completions.create({
      model: "deepseek-coder",
      messages,
      response_format: cityFormat,
    });
    expect(answer.choices[0]?.message.content).toBe(json);
    const sent = deepseek.chatCalls()[0]?.body as {
      response_format: unknown;
      messages: Array<{ role: string; content: string }>;
    };
    expect(sent.response_format).toEqual({ type: "json_object" });
    expect(sent.messages[0]?.role).toBe("system");
    expect(sent.messages[0]?.content).toContain(JSON.stringify(citySchema));
    expect(sent.messages[1]).toMatchObject(messages[0] as object);
  });

  it("retries DeepSeek once when its answer does not match the schema", async () => {
    const { deepseek } = harness.fakes;
    deepseek.enqueueChat(
      completionReply(deepSeekFlavor, { content: '{"city":"Lisbon"}' }),
      completionReply(deepSeekFlavor, { content: '{"city":"Lisbon","celsius":24}' }),
    );
    const { data, response } = await client.chat.completions
      .create({ model: "deepseek-coder", messages, response_format: cityFormat })
      .withResponse();
    expect(JSON.parse(data.choices[0]?.message.content ?? "")).toEqual({ city: "Lisbon", celsius: 24 });
    expect(response.headers.get("x-llm-gateway-attempts")).toBe("2");
    expect(deepseek.chatCalls()).toHaveLength(2);
  });

  it("fails over when DeepSeek keeps answering JSON that does not match, streamed too", async () => {
    const { deepseek, openai } = harness.fakes;
    const notMatching = () =>
      streamReply(deepSeekFlavor, {
        pieces: ['{"city":', "42}"],
        usage: { inputTokens: 5, outputTokens: 3 },
      });
    deepseek.enqueueChat(notMatching(), notMatching());
    openai.enqueueChat(openai.replies.stream(['{"city":"Oslo",', '"celsius":5}']));
    const { data: stream, response } = await client.chat.completions
      .create({ model: "structured", messages, response_format: cityFormat, stream: true })
      .withResponse();
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(JSON.parse(text)).toEqual({ city: "Oslo", celsius: 5 });
    expect(response.headers.get("x-llm-gateway-attempts")).toBe("3");
    expect(deepseek.chatCalls()).toHaveLength(2);
    // OpenAI takes json_schema itself: it gets the caller's format unchanged.
    expect(openai.chatCalls()[0]?.body).toMatchObject({ response_format: cityFormat });
  });

  it("opens no circuit for answers off the schema: the model missed, the deployment is well", async () => {
    const { deepseek } = harness.fakes;
    const offSchema = () => completionReply(deepSeekFlavor, { content: '{"town":"Porto"}' });
    // Three requests, two tries each: six failures, past the circuit's threshold of five.
    deepseek.enqueueChat(...Array.from({ length: 6 }, offSchema));
    for (let request = 0; request < 3; request++) {
      const failed = await client.chat.completions
        .create({ model: "deepseek-coder", messages, response_format: cityFormat })
        .catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(OpenAI.APIError);
      expect(String((failed as Error).message)).toContain("does not match the response_format schema");
    }
    deepseek.enqueueChat(completionReply(deepSeekFlavor, { content: '{"city":"Porto","celsius":19}' }));
    const answer = await client.chat.completions.create({
      model: "deepseek-coder",
      messages,
      response_format: cityFormat,
    });
    expect(answer.choices[0]?.message.content).toContain("Porto");
  });

  it("writes the cost header in fixed-point decimal, never in exponent form", async () => {
    const { deepseek } = harness.fakes;
    deepseek.enqueueChat(deepseek.replies.text("Hi", { inputTokens: 1, outputTokens: 0 }));
    const { response } = await client.chat.completions
      .create({ model: "deepseek-coder", messages })
      .withResponse();
    // 1 token x $0.28 per million: 2.8e-7 in JavaScript's default rendering.
    expect(response.headers.get("x-llm-gateway-cost-usd")).toBe("0.00000028");
  });

  it("turns reasoning_effort into an Anthropic thinking budget the API accepts", async () => {
    const { anthropic } = harness.fakes;
    const answer = await client.chat.completions.create({
      model: "claude-sonnet-4",
      messages,
      reasoning_effort: "low",
      max_tokens: 100,
      temperature: 0.4,
    });
    expect(answer.choices[0]?.message.content).toContain("Hello from fake");
    const sent = anthropic.chatCalls()[0]?.body as Record<string, unknown>;
    expect(sent.thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
    expect(sent.max_tokens).toBe(1124);
    expect(sent).not.toHaveProperty("temperature");
  });
});

describe("the chat_completion MCP tool's parameters", () => {
  let harness: Harness;
  let mcp: Client;
  beforeAll(async () => {
    harness = await startHarness();
    mcp = await connectMcp(harness.url);
  });
  afterAll(async () => {
    await mcp.close();
    await harness.close();
  });

  it("takes seed and reasoning_effort, translated for the answering provider", async () => {
    const outcome = await callTool<{ provider: string }>(mcp, "chat_completion", {
      project_id: "proj-params",
      agent_id: "mcp-agent",
      messages,
      model_group: "reasoning",
      seed: 7,
      reasoning_effort: "high",
    });
    expect(outcome.isError).toBe(false);
    expect(outcome.structured.provider).toBe("anthropic");
    const sent = harness.fakes.anthropic.chatCalls()[0]?.body as Record<string, unknown>;
    expect(sent.thinking).toEqual({ type: "enabled", budget_tokens: 24_576 });
    expect(sent).not.toHaveProperty("seed");
  });
});

describe("a parameter no deployment of the chain can honour", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ providers: ["anthropic", "google"] });
  });
  afterAll(async () => harness.close());

  it("is refused with a 400 naming it, and no provider is called", async () => {
    const refused = await sdkFor(harness)
      .chat.completions.create({ model: "reasoning", messages, logit_bias: { "50256": -100 } })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    const error = (refused as InstanceType<typeof OpenAI.BadRequestError>).error as Record<string, unknown>;
    expect(error).toMatchObject({ code: "GW_ERR_UNSUPPORTED_PARAMETER", param: "logit_bias" });
    expect(String(error.message)).toContain("anthropic/claude-opus-4-5 (logit_bias)");
    expect(String(error.message)).toContain("google/gemini-2.5-pro (logit_bias)");
    expect(harness.fakes.anthropic.chatCalls()).toHaveLength(0);
    expect(harness.fakes.google.chatCalls()).toHaveLength(0);
  });
});
