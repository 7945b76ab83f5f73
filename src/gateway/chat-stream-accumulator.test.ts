import { describe, expect, it } from "vitest";
import type { ChatCompletionChunk } from "../core/chat.js";
import { ChatStreamAccumulator, chunkCarriesContent } from "./chat-stream-accumulator.js";

const chunk = (delta: ChatCompletionChunk["choices"][number]["delta"]): ChatCompletionChunk => ({
  id: "c",
  object: "chat.completion.chunk",
  created: 0,
  model: "m",
  choices: [{ index: 0, delta, finish_reason: null }],
});

describe("ChatStreamAccumulator", () => {
  it("folds reasoning, whole thinking blocks and a tool call's thought signature into the answer", () => {
    const accumulator = new ChatStreamAccumulator();
    const signature = { google: { thought_signature: "c2lnbmVk" } };
    for (const delta of [
      { reasoning_content: "Need " },
      { reasoning_content: "the tool." },
      { thinking_blocks: [{ type: "thinking" as const, thinking: "Need the tool.", signature: "s1" }] },
      { thinking_blocks: [{ type: "redacted_thinking" as const, data: "opaque" }] },
      {
        tool_calls: [
          {
            index: 0,
            id: "call_1",
            type: "function" as const,
            function: { name: "f", arguments: "{}" },
            extra_content: signature,
          },
        ],
      },
    ]) {
      accumulator.add(chunk(delta));
    }
    expect(accumulator.reasoningContent).toBe("Need the tool.");
    expect(accumulator.thinkingBlocks).toEqual([
      { type: "thinking", thinking: "Need the tool.", signature: "s1" },
      { type: "redacted_thinking", data: "opaque" },
    ]);
    expect(accumulator.toolCalls).toEqual([
      { id: "call_1", type: "function", function: { name: "f", arguments: "{}" }, extra_content: signature },
    ]);
    // Reasoning the caller received counts when the gateway must estimate output tokens itself.
    expect(accumulator.deliveredText).toBe("Need the tool.f{}");
  });

  it("treats a chunk carrying only a thinking block as content: the point of no return for failover", () => {
    expect(chunkCarriesContent(chunk({ thinking_blocks: [{ type: "redacted_thinking", data: "x" }] }))).toBe(
      true,
    );
    expect(chunkCarriesContent(chunk({}))).toBe(false);
  });
});
