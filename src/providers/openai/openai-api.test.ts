import { describe, expect, it } from "vitest";
import { openAiChatChunkSchema, plainOpenAiChatChunk } from "./openai-api.js";

describe("plainOpenAiChatChunk", () => {
  const contentChunk = {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: "gpt-4.1",
    system_fingerprint: null,
    choices: [{ index: 0, delta: { content: "Hel" }, finish_reason: null, logprobs: null }],
  };

  it("takes a plain content, role or finish chunk as it is, reading as the schema would", () => {
    const finish = { ...contentChunk, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] };
    const role = { ...contentChunk, choices: [{ index: 0, delta: { role: "assistant", content: "" } }] };
    for (const chunk of [contentChunk, finish, role, { choices: [] }]) {
      const plain = plainOpenAiChatChunk(chunk);
      expect(plain).toBe(chunk);
      expect(openAiChatChunkSchema.parse(chunk)).toMatchObject(openAiChatChunkSchema.parse(plain));
    }
  });

  it("leaves tool calls, logprobs, usage and Groq's block to the schema", () => {
    const withChoice = (choice: object) => ({ ...contentChunk, choices: [{ index: 0, ...choice }] });
    expect(
      plainOpenAiChatChunk(withChoice({ delta: { tool_calls: [{ index: 0, function: { name: "f" } }] } })),
    ).toBeUndefined();
    expect(plainOpenAiChatChunk(withChoice({ delta: {}, logprobs: { content: [] } }))).toBeUndefined();
    expect(plainOpenAiChatChunk({ ...contentChunk, usage: { prompt_tokens: 1 } })).toBeUndefined();
    expect(plainOpenAiChatChunk({ ...contentChunk, x_groq: { usage: {} } })).toBeUndefined();
  });

  it("refuses what the schema refuses, so the schema reports it", () => {
    const wrong = [
      null,
      "text",
      { choices: "none" },
      { ...contentChunk, id: 7 },
      { ...contentChunk, created: "now" },
      { ...contentChunk, choices: [null] },
      { ...contentChunk, choices: [{ delta: { content: 5 } }] },
      { ...contentChunk, choices: [{ delta: "x" }] },
      { ...contentChunk, choices: [{ finish_reason: 1 }] },
      { ...contentChunk, choices: [{ delta: { reasoning_content: [] } }] },
    ];
    for (const body of wrong) {
      expect(plainOpenAiChatChunk(body)).toBeUndefined();
      expect(openAiChatChunkSchema.safeParse(body).success).toBe(false);
    }
  });
});
