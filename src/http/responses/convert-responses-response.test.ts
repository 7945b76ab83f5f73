import { describe, expect, it } from "vitest";
import type { ChatCompletion } from "../../core/chat.js";
import { convertResponsesResponse } from "./convert-responses-response.js";
import { responsesRequestSchema } from "./responses-request-schema.js";

const frame = {
  id: "resp_abc",
  createdAt: 1,
  model: "claude-sonnet-4",
  body: responsesRequestSchema.parse({ model: "code", input: "Hi", max_output_tokens: 20 }),
  namespaces: new Map([["spawn_agent", "agents"]]),
};

const completion = (
  message: ChatCompletion["choices"][number]["message"],
  finish: "stop" | "length" | "tool_calls",
) =>
  ({
    id: "x",
    object: "chat.completion",
    created: 1,
    model: "m",
    choices: [{ index: 0, message, finish_reason: finish }],
    usage: {
      prompt_tokens: 30,
      completion_tokens: 20,
      total_tokens: 50,
      prompt_tokens_details: { cached_tokens: 12 },
      completion_tokens_details: { reasoning_tokens: 4 },
    },
  }) as ChatCompletion;

describe("convertResponsesResponse", () => {
  it("writes reasoning, text and namespaced calls as output items, usage with its details", () => {
    const response = convertResponsesResponse(
      completion(
        {
          role: "assistant",
          content: "Hi",
          reasoning_content: "Hmm",
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "spawn_agent", arguments: "{}" } },
          ],
        },
        "tool_calls",
      ),
      frame,
    );
    expect(response).toMatchObject({
      id: "resp_abc",
      object: "response",
      status: "completed",
      model: "claude-sonnet-4",
      max_output_tokens: 20,
      store: false,
      output: [
        { type: "reasoning", summary: [{ type: "summary_text", text: "Hmm" }] },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "Hi" }] },
        {
          type: "function_call",
          call_id: "call_1",
          namespace: "agents",
          name: "spawn_agent",
          arguments: "{}",
        },
      ],
      usage: {
        input_tokens: 30,
        input_tokens_details: { cached_tokens: 12 },
        output_tokens: 20,
        output_tokens_details: { reasoning_tokens: 4 },
        total_tokens: 50,
      },
    });
  });

  it("an answer cut at the token limit is incomplete, naming max_output_tokens", () => {
    const response = convertResponsesResponse(
      completion({ role: "assistant", content: "Hal" }, "length"),
      frame,
    );
    expect(response).toMatchObject({
      status: "incomplete",
      incomplete_details: { reason: "max_output_tokens" },
    });
  });
});
