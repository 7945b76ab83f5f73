import Anthropic, { type APIError } from "@anthropic-ai/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FakeAnthropic } from "../../src/fakes/anthropic/fake-anthropic.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

/**
 * `role: "system"` messages inside `messages` (Claude Opus 4.8 takes one after
 * a user turn; Claude Code sends its MCP servers' instructions so), through
 * the Messages door with the official SDK. The fake Anthropic refuses them on
 * every older model, as the API does, so a body that reached claude-opus-4-5
 * with one in place would fail these tests.
 *
 * reasoning = anthropic (claude-opus-4-5) -> openai (gpt-4.1) -> google (gemini-2.5-pro);
 * claude-opus-4-8 is a catalog model here, marked as taking them.
 */
const configYaml = `
models:
  claude-opus-4-8:
    provider: anthropic
    provider_model_id: claude-opus-4-8
    context_window: 1000000
    max_output_tokens: 128000
    mid_conversation_system_messages: true
    price_per_mtok: { input: 5, output: 25, cached_input: 0.5 }
`;

const instructions = "# MCP Server Instructions\n\nCall chat_completion with a model_group.";
const params = (model: string) => ({
  model,
  max_tokens: 1000,
  system: [
    { type: "text" as const, text: "You are Claude Code.", cache_control: { type: "ephemeral" as const } },
  ],
  messages: [
    {
      role: "user" as const,
      content: [{ type: "text" as const, text: "Say hello.", cache_control: { type: "ephemeral" as const } }],
    },
    { role: "system" as const, content: instructions },
  ],
});

describe("system messages inside messages, through the Messages door", () => {
  let harness: Harness;
  let client: Anthropic;

  beforeAll(async () => {
    harness = await startHarness({ env: { LLM_GATEWAY_MAX_RETRIES: "0" }, configYaml });
    client = new Anthropic({
      apiKey: "unused-without-client-keys",
      baseURL: harness.url,
      maxRetries: 0,
      defaultHeaders: { "x-project-id": "proj-system-messages", "x-agent-id": "claude-agent" },
    });
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => harness.close());

  it("to a model that takes them, natively: the body as sent, the message where it stood", async () => {
    const anthropic = harness.fakes.anthropic as FakeAnthropic;
    const message = await client.messages.create(params("claude-opus-4-8"));
    expect(message.content).toEqual([{ type: "text", text: "Hello from fake claude-opus-4-8" }]);
    expect(anthropic.chatCalls()[0]?.body).toEqual({ ...params("claude-opus-4-8"), stream: true });
  });

  it("to an older model (Claude Code's default id, via its alias), streamed: the message joins system", async () => {
    const anthropic = harness.fakes.anthropic as FakeAnthropic;
    const stream = client.messages.stream(params("claude-opus-4-9"));
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: "text", text: "Hello from fake claude-opus-4-5" }]);
    const { system, messages } = params("claude-opus-4-9");
    expect(anthropic.chatCalls()[0]?.body).toEqual({
      ...params("claude-opus-4-5"),
      stream: true,
      system: [...system, { type: "text", text: instructions }],
      messages: [messages[0]],
    });
  });

  it("Anthropic down: OpenAI gets it at its place, Gemini in its systemInstruction", async () => {
    const { anthropic, openai, google } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
    const fromOpenAi = await client.messages.create(params("reasoning"));
    expect(fromOpenAi.model).toBe("gpt-4.1");
    const sentToOpenAi = openai.chatCalls()[0]?.body as {
      messages: Array<{ role: string; content: unknown }>;
    };
    expect(sentToOpenAi.messages).toEqual([
      { role: "system", content: "You are Claude Code." },
      { role: "user", content: "Say hello." },
      { role: "system", content: instructions },
    ]);

    anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
    openai.enqueueChat(openai.replies.error(503, "down"));
    const fromGoogle = await client.messages.create(params("reasoning"));
    expect(fromGoogle.model).toBe("gemini-2.5-pro");
    expect(google.chatCalls()[0]?.body).toMatchObject({
      systemInstruction: { parts: [{ text: "You are Claude Code." }, { text: instructions }] },
      contents: [{ role: "user", parts: [{ text: "Say hello." }] }],
    });
  });

  it("countTokens counts it with the provider, in place or in system as the model takes it", async () => {
    const anthropic = harness.fakes.anthropic as FakeAnthropic;
    const { system: _system, max_tokens: _maxTokens, ...prompt } = params("claude-opus-4-8");
    const inPlace = await client.messages.countTokens(prompt);
    const hoisted = await client.messages.countTokens({ ...prompt, model: "reasoning" });
    expect(inPlace.input_tokens).toBeGreaterThan(0);
    expect(hoisted.input_tokens).toBeGreaterThan(0);
    const [toOpus48, toOpus45] = anthropic.countTokensCalls().map((call) => call.body);
    expect(toOpus48).toMatchObject({
      model: "claude-opus-4-8",
      messages: [{ role: "user" }, { role: "system" }],
    });
    expect(toOpus45).toMatchObject({
      model: "claude-opus-4-5",
      system: [{ type: "text", text: instructions }],
      messages: [{ role: "user" }],
    });
  });

  it("a misplaced one is refused as the API refuses it: 400 invalid_request_error, nothing called", async () => {
    const misplaced = await client.messages
      .create({
        model: "claude-opus-4-8",
        max_tokens: 100,
        messages: [
          { role: "user", content: "Hi" },
          { role: "system", content: "Be brief." },
          { role: "user", content: "Again" },
        ],
      })
      .catch((error: unknown) => error);
    expect(misplaced).toBeInstanceOf(Anthropic.BadRequestError);
    expect((misplaced as APIError).error).toEqual({
      type: "error",
      error: {
        type: "invalid_request_error",
        message:
          "GW_ERR_INVALID_REQUEST: Invalid request: messages.1: role 'system' must precede an 'assistant' message or end the array",
      },
    });
    for (const fake of Object.values(harness.fakes)) expect(fake.chatCalls()).toHaveLength(0);
  });
});
