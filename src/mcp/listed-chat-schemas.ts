/**
 * Short listings of the chat shapes for the MCP tool list. The tools validate
 * the full shapes (core/chat-schema.ts) and name the field of any mismatch;
 * these only tell a model what to write. Left out of the listing, still
 * accepted: per-part `cache_control` on content parts and tools,
 * `thinking_blocks` and `reasoning_content` on assistant messages (sent back
 * as a previous answer gave them), limits on lengths and counts.
 */

const cacheControl = {
  type: "object",
  description: 'Anthropic prompt cache breakpoint: {"type":"ephemeral","ttl"?:"5m"|"1h"}.',
};

export const listedMessages = {
  type: "array",
  minItems: 1,
  description: "OpenAI chat messages.",
  items: {
    type: "object",
    properties: {
      role: { type: "string", enum: ["system", "developer", "user", "assistant", "tool"] },
      content: {
        description: 'Text, or parts: {"type":"text","text"} | {"type":"image_url","image_url":{"url"}}.',
        anyOf: [{ type: "string" }, { type: "array", items: { type: "object" } }, { type: "null" }],
      },
      name: { type: "string" },
      tool_calls: {
        type: "array",
        items: { type: "object" },
        description: "As a previous answer returned them.",
      },
      tool_call_id: { type: "string" },
      cache_control: cacheControl,
    },
    required: ["role"],
  },
};

export const listedTools = {
  type: "array",
  description: 'Tools: {"type":"function","function":{"name","description"?,"parameters"?: JSON Schema}}.',
  items: { type: "object" },
};

export const listedToolChoice = {
  description: '"none" | "auto" | "required" | {"type":"function","function":{"name"}}.',
};

export const listedResponseFormat = {
  type: "object",
  description:
    '{"type":"text"|"json_object"} or {"type":"json_schema","json_schema":{"name","schema","strict"?}}.',
};

export const listedThinking = {
  type: "object",
  description: 'Claude extended thinking: {"type":"enabled","budget_tokens">=1024} | {"type":"disabled"}.',
};

const listedAnswer = {
  type: "object",
  description:
    "One model's answer: asked, content, tool_calls?, truncated?, model, provider, usage, cost_usd, latency_ms; or asked and error {code, message}.",
};

/** chat_completion's fan-out fields, listed once rather than the answer shape twice more. */
export const listedFanOutResult = {
  answers: { type: "array", items: listedAnswer },
  synthesis: { ...listedAnswer, description: "The judge's synthesis, shaped as an answers entry." },
};
