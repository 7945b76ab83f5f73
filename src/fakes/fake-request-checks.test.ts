import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFakeAnthropic } from "./anthropic/fake-anthropic.js";
import { createFakeDeepSeek } from "./deepseek/fake-deepseek.js";
import type { FakeProvider } from "./fake-provider.js";
import { createFakeGoogle } from "./google/fake-google.js";
import { createFakeOpenAi } from "./openai/fake-openai.js";

/*
 * The fakes refuse what the real APIs refuse, even when a test queued a
 * reply: a translation that sends a provider something it does not take
 * fails in tests as it would in production.
 */

let fakes: Record<"openai" | "deepseek" | "anthropic" | "google", FakeProvider>;

beforeAll(async () => {
  fakes = {
    openai: await createFakeOpenAi(),
    deepseek: await createFakeDeepSeek(),
    anthropic: await createFakeAnthropic(),
    google: await createFakeGoogle(),
  };
});
afterAll(async () => Promise.all(Object.values(fakes).map((fake) => fake.close())));

const hello = [{ role: "user", content: "Say hello" }];

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer k", ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

const openAiChat = (fake: FakeProvider, body: Record<string, unknown>) =>
  post(`${fake.baseUrl}/chat/completions`, { model: "m", messages: hello, ...body });
const anthropicMessage = (body: Record<string, unknown>) =>
  post(
    `${fakes.anthropic.baseUrl}/v1/messages`,
    { model: "claude-sonnet-4-0", max_tokens: 2000, messages: hello, ...body },
    { "anthropic-version": "2023-06-01" },
  );

describe("fake request checks", () => {
  it("OpenAI refuses an argument it does not know, even with a reply queued", async () => {
    fakes.openai.enqueueChat(fakes.openai.replies.text("scripted"));
    const refused = await openAiChat(fakes.openai, { top_k: 20 });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain("Unrecognized request argument supplied: top_k");
    expect((await openAiChat(fakes.openai, { seed: 1 })).text).toContain("scripted");
  });

  it("OpenAI refuses top_logprobs without logprobs, and JSON mode without 'json' in the prompt", async () => {
    expect((await openAiChat(fakes.openai, { top_logprobs: 2 })).status).toBe(400);
    expect((await openAiChat(fakes.openai, { response_format: { type: "json_object" } })).status).toBe(400);
  });

  it("DeepSeek refuses json_schema response formats", async () => {
    const refused = await openAiChat(fakes.deepseek, {
      response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" } } },
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain("This response_format type is unavailable now");
  });

  it("Anthropic refuses unknown top-level fields and invalid thinking", async () => {
    expect((await anthropicMessage({ seed: 1 })).text).toContain("seed: Extra inputs are not permitted");
    const thinking = { type: "enabled", budget_tokens: 1024 };
    expect((await anthropicMessage({ thinking: { ...thinking, budget_tokens: 500 } })).status).toBe(400);
    expect((await anthropicMessage({ thinking, max_tokens: 1024 })).status).toBe(400);
    expect((await anthropicMessage({ thinking, temperature: 0.5 })).status).toBe(400);
    expect((await anthropicMessage({ thinking, top_k: 5 })).status).toBe(400);
    expect((await anthropicMessage({ thinking, tool_choice: { type: "any" } })).status).toBe(400);
    expect((await anthropicMessage({ thinking })).status).toBe(200);
  });

  it("Gemini refuses generationConfig fields it does not know", async () => {
    const url = `${fakes.google.baseUrl}/v1beta/models/gemini-2.5-flash:generateContent`;
    const contents = [{ role: "user", parts: [{ text: "Hi" }] }];
    const refused = await post(url, { contents, generationConfig: { presence_penalty: 0.5 } });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Unknown name \\"presence_penalty\\"');
    expect((await post(url, { contents, generationConfig: { presencePenalty: 0.5 } })).status).toBe(200);
  });
});
