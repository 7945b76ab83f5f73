import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { anthropicMessagesRequestBody } from "./anthropic/anthropic-messages-schema.js";
import { openAiChatRequestBody } from "./openai/openai-request-schemas.js";
import { responsesRequestBody } from "./responses/responses-request-schema.js";

/** Everything a parse tells the caller: success, the value (its key order too), the issues in order. */
function outcome(result: z.ZodSafeParseResult<unknown>) {
  return result.success
    ? { success: true, data: result.data, keys: Object.keys(result.data as object) }
    : { success: false, issues: result.error.issues };
}

const messages = [{ role: "user", content: "Hi" }];
const chatBodies: unknown[] = [
  { model: "gpt-4.1", messages },
  { model: "gpt-4.1", messages, temperature: 0, stream: true, stream_options: { include_usage: true } },
  { messages, max_completion_tokens: 20, model: "fast", seed: 1, user: "u", unknown_field: { x: 1 } },
  { model: "gpt-4.1", messages, temperature: 7 },
  { model: "gpt-4.1", messages, temperature: "hot", top_p: -1 },
  { messages },
  { model: "" },
  { model: "gpt-4.1", messages, top_logprobs: 3 },
  { model: "gpt-4.1", messages, stream: true, n: 2 },
  { model: "gpt-4.1", messages, modalities: ["text", "audio"] },
  { model: "gpt-4.1", messages, functions: [{ name: "f" }] },
  { model: "gpt-4.1", messages: [{ role: "wizard", content: 1 }] },
  [],
  null,
  "a string",
  42,
];

describe("the doors' request bodies, parsed by the fields they send", () => {
  for (const [name, sparse, bodies] of [
    ["POST /v1/chat/completions", openAiChatRequestBody, chatBodies],
    [
      "POST /v1/messages (a loose object: unknown fields pass)",
      anthropicMessagesRequestBody,
      [
        { model: "m", max_tokens: 10, messages, extra: { kept: true } },
        { model: "m", messages, temperature: 0.5 },
        { model: "m", max_tokens: 0, messages, top_k: -1 },
        { max_tokens: 5, model: "m", messages, stop_sequences: ["a"], metadata: { user_id: "u" } },
      ],
    ],
    [
      "POST /v1/responses",
      responsesRequestBody,
      [
        { model: "code", input: "Hi" },
        { model: "code", input: "Hi", stream: true, store: false, reasoning: { effort: "low" }, vendor: 1 },
        { model: "code" },
        { model: "code", input: [{ role: "user", content: 3 }], temperature: 9 },
      ],
    ],
  ] as const) {
    it(`parses each body of ${name} as its whole zod schema does`, () => {
      for (const body of bodies) {
        expect(outcome(sparse.safeParse(body))).toEqual(outcome(sparse.whole.safeParse(body)));
      }
    });
  }
});
