import { describe, expect, it } from "vitest";
import type { ChatCompletionChunk } from "../../core/chat.js";
import { type EventSink, MessagesStreamWriter } from "./messages-stream-writer.js";

function recordingSink(): EventSink & { events: Array<{ name: string; data: Record<string, unknown> }> } {
  const events: Array<{ name: string; data: Record<string, unknown> }> = [];
  return {
    events,
    async event(name, payload) {
      events.push({ name, data: JSON.parse(payload) });
    },
  };
}

const chunk = (delta: ChatCompletionChunk["choices"][0]["delta"], finish: string | null = null) =>
  ({
    id: "c",
    object: "chat.completion.chunk",
    created: 0,
    model: "m",
    choices: [{ index: 0, delta, finish_reason: finish }],
  }) as ChatCompletionChunk;

describe("MessagesStreamWriter", () => {
  it("opens one block per text run and per tool call, each closed before the next opens", async () => {
    const sink = recordingSink();
    const writer = new MessagesStreamWriter(sink, "msg_1", "gpt-4.1");
    await writer.chunk(chunk({ role: "assistant", content: "Let me " }));
    await writer.chunk(chunk({ content: "look." }));
    await writer.chunk(
      chunk({
        tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "Read", arguments: "" } }],
      }),
    );
    await writer.chunk(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"file_path":' } }] }));
    await writer.chunk(chunk({ tool_calls: [{ index: 0, function: { arguments: '"a"}' } }] }));
    await writer.chunk(
      chunk({ tool_calls: [{ index: 1, id: "call_b", function: { name: "Grep", arguments: "{}" } }] }),
    );
    await writer.chunk(chunk({}, "tool_calls"));
    await writer.finish({
      prompt_tokens: 100,
      completion_tokens: 20,
      total_tokens: 120,
      prompt_tokens_details: { cached_tokens: 60, cache_creation_tokens: 10 },
    });

    expect(sink.events.map((event) => `${event.name}:${event.data.index ?? ""}`)).toEqual([
      "message_start:",
      "ping:",
      "content_block_start:0",
      "content_block_delta:0",
      "content_block_delta:0",
      "content_block_stop:0",
      "content_block_start:1",
      "content_block_delta:1",
      "content_block_delta:1",
      "content_block_stop:1",
      "content_block_start:2",
      "content_block_delta:2",
      "content_block_stop:2",
      "message_delta:",
      "message_stop:",
    ]);
    expect(sink.events[0]?.data.message).toMatchObject({ id: "msg_1", model: "gpt-4.1", content: [] });
    expect(sink.events[6]?.data.content_block).toEqual({
      type: "tool_use",
      id: "call_a",
      name: "Read",
      input: {},
    });
    expect(sink.events[8]?.data.delta).toEqual({ type: "input_json_delta", partial_json: '"a"}' });
    expect(sink.events[13]?.data).toEqual({
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      // Anthropic's input_tokens leaves out cache reads and writes.
      usage: {
        input_tokens: 30,
        output_tokens: 20,
        cache_creation_input_tokens: 10,
        cache_read_input_tokens: 60,
      },
    });
  });

  it("a stream with no content still sends a whole message; max_tokens maps from length", async () => {
    const sink = recordingSink();
    const writer = new MessagesStreamWriter(sink, "msg_2", "m");
    await writer.chunk(chunk({}, "length"));
    await writer.finish(undefined);
    expect(sink.events.map((event) => event.name)).toEqual([
      "message_start",
      "ping",
      "message_delta",
      "message_stop",
    ]);
    expect(sink.events[2]?.data.delta).toEqual({ stop_reason: "max_tokens", stop_sequence: null });
  });
});
