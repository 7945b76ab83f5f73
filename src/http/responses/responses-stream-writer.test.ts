import { describe, expect, it } from "vitest";
import type { ChatCompletionChunk } from "../../core/chat.js";
import { responsesRequestSchema } from "./responses-request-schema.js";
import { ResponsesStreamWriter } from "./responses-stream-writer.js";

const frame = {
  id: "resp_abc",
  createdAt: 1,
  model: "claude-sonnet-4",
  body: responsesRequestSchema.parse({ model: "code", input: "Hi" }),
};

const chunk = (delta: ChatCompletionChunk["choices"][number]["delta"], finish: string | null = null) =>
  ({
    id: "x",
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    choices: [{ index: 0, delta, finish_reason: finish }],
  }) as ChatCompletionChunk;

function recorder() {
  const events: Array<Record<string, unknown>> = [];
  return {
    events,
    sink: {
      async event(name: string, payload: string) {
        const parsed = JSON.parse(payload) as Record<string, unknown>;
        expect(parsed.type).toBe(name);
        events.push(parsed);
      },
    },
  };
}

describe("ResponsesStreamWriter", () => {
  it("writes reasoning, text and a function call as the Responses event sequence, numbered, usage last", async () => {
    const { events, sink } = recorder();
    const writer = new ResponsesStreamWriter(sink, frame);
    await writer.chunk(chunk({ reasoning_content: "Think" }));
    await writer.chunk(chunk({ content: "Hel" }));
    await writer.chunk(chunk({ content: "lo" }));
    await writer.chunk(
      chunk({ tool_calls: [{ index: 0, id: "call_1", function: { name: "f", arguments: "{" } }] }),
    );
    await writer.chunk(chunk({ tool_calls: [{ index: 0, function: { arguments: "}" } }] }, "tool_calls"));
    await writer.finish({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    expect(events.map((event) => event.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.reasoning_summary_part.added",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.done",
      "response.reasoning_summary_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    const completed = events.at(-1)?.response as { output: unknown[]; usage: unknown; status: string };
    expect(completed.status).toBe("completed");
    expect(completed.output).toEqual([
      { type: "reasoning", id: "rs_abc_0", summary: [{ type: "summary_text", text: "Think" }] },
      {
        type: "message",
        id: "msg_abc_1",
        status: "completed",
        role: "assistant",
        content: [{ type: "output_text", text: "Hello", annotations: [], logprobs: [] }],
      },
      {
        type: "function_call",
        id: "fc_abc_0",
        call_id: "call_1",
        name: "f",
        arguments: "{}",
        status: "completed",
      },
    ]);
    expect(completed.usage).toEqual({
      input_tokens: 10,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 15,
    });
  });

  it("gives a call of a flattened namespaced function its namespace back", async () => {
    const { events, sink } = recorder();
    const writer = new ResponsesStreamWriter(sink, {
      ...frame,
      namespaces: new Map([["spawn_agent", "agents"]]),
    });
    await writer.chunk(
      chunk({ tool_calls: [{ index: 0, id: "call_1", function: { name: "spawn_agent", arguments: "{}" } }] }),
    );
    await writer.finish(undefined);
    const added = events.find((event) => event.type === "response.output_item.added");
    expect(added?.item).toMatchObject({ type: "function_call", namespace: "agents", name: "spawn_agent" });
    const completed = events.at(-1)?.response as { output: unknown[] };
    expect(completed.output[0]).toMatchObject({ namespace: "agents", name: "spawn_agent" });
  });

  it("ends a length-cut answer with response.incomplete, and a failure with response.failed", async () => {
    const cut = recorder();
    const writer = new ResponsesStreamWriter(cut.sink, frame);
    await writer.chunk(chunk({ content: "Hi" }, "length"));
    await writer.finish(undefined);
    expect(cut.events.at(-1)).toMatchObject({
      type: "response.incomplete",
      response: { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } },
    });
    const failed = recorder();
    const continuing = new ResponsesStreamWriter(failed.sink, frame, 7);
    await continuing.fail({ code: "GW_ERR_UPSTREAM", message: "boom" });
    expect(failed.events).toEqual([
      expect.objectContaining({
        type: "response.failed",
        sequence_number: 7,
        response: expect.objectContaining({
          status: "failed",
          error: { code: "GW_ERR_UPSTREAM", message: "boom" },
        }),
      }),
    ]);
  });
});
