import { z } from "zod";

/**
 * Anthropic Messages API wire shapes (https://docs.claude.com/en/api/messages).
 * Requests are typed as we build them; responses are zod schemas of only the
 * fields we read, forgiving with `.nullish()` so new fields never break us.
 */

/**
 * Pinned on purpose: 2026-10-21 (the official SDK's default since its 1.0)
 * rejects `temperature` and `top_p`, which OpenAI-shaped callers send.
 */
export const anthropicApiVersion = "2023-06-01";

/** https://docs.claude.com/en/docs/build-with-claude/prompt-caching */
export interface AnthropicCacheControl {
  type: "ephemeral";
  ttl?: "5m" | "1h";
}

export interface AnthropicTextBlock {
  type: "text";
  text: string;
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicImageBlock {
  type: "image";
  source: { type: "base64"; media_type: string; data: string } | { type: "url"; url: string };
  cache_control?: AnthropicCacheControl;
}

/** Returned with thinking on; sent back unchanged in later turns (the signature is checked). */
export type AnthropicThinkingBlock =
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "redacted_thinking"; data: string };

export interface AnthropicToolUseBlock {
  type: "tool_use";
  id: string;
  name: string;
  input: unknown;
}

export interface AnthropicToolResultBlock {
  type: "tool_result";
  tool_use_id: string;
  content?: AnthropicTextBlock[];
}

export type AnthropicContentBlock =
  | AnthropicThinkingBlock
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock;

/** A `system` turn stands only after a user turn, on models that take one (Claude Opus 4.8 and later). */
export interface AnthropicMessage {
  role: "user" | "assistant" | "system";
  content: AnthropicContentBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  cache_control?: AnthropicCacheControl;
}

export type AnthropicToolChoice = (
  | { type: "auto" }
  | { type: "any" }
  | { type: "none" }
  | { type: "tool"; name: string }
) & { disable_parallel_tool_use?: boolean };

export interface AnthropicRequestBody {
  model: string;
  max_tokens: number;
  messages: AnthropicMessage[];
  system?: AnthropicTextBlock[];
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  metadata?: { user_id: string };
  thinking?: { type: "enabled"; budget_tokens: number } | { type: "disabled" };
  stream?: boolean;
}

/**
 * POST /v1/messages/count_tokens (docs.claude.com/en/api/messages-count-tokens):
 * the prompt part of a Messages request; generation fields such as
 * `max_tokens` are refused as "Extra inputs are not permitted".
 */
export type AnthropicCountTokensRequestBody = Pick<
  AnthropicRequestBody,
  "model" | "messages" | "system" | "tools" | "tool_choice"
>;

export const anthropicCountTokensResponseSchema = z.object({
  input_tokens: z.number().int().nonnegative(),
});

export const anthropicUsageSchema = z.object({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
  /** The cache writes split by TTL (absent on older API answers: then all 5-minute). */
  cache_creation: z
    .object({
      ephemeral_5m_input_tokens: z.number().nullish(),
      ephemeral_1h_input_tokens: z.number().nullish(),
    })
    .nullish(),
});
export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;

/**
 * A block or delta of a type we do not translate (thinking, citations, server
 * tools, whatever comes next), seen as `other`. Known types never fall back
 * here, so a malformed `text` block fails validation instead of vanishing.
 */
function otherTypeSchema(knownTypes: string[]) {
  return z.object({
    type: z
      .string()
      .refine((type) => !knownTypes.includes(type))
      .transform(() => "other" as const),
  });
}

const responseContentBlockSchema = z.union([
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({ type: z.literal("tool_use"), id: z.string(), name: z.string(), input: z.unknown() }),
  z.object({ type: z.literal("thinking"), thinking: z.string(), signature: z.string() }),
  z.object({ type: z.literal("redacted_thinking"), data: z.string() }),
  otherTypeSchema(["text", "tool_use", "thinking", "redacted_thinking"]),
]);

export const anthropicMessageResponseSchema = z.object({
  id: z.string(),
  model: z.string(),
  content: z.array(responseContentBlockSchema),
  stop_reason: z.string().nullish(),
  usage: anthropicUsageSchema,
});
export type AnthropicMessageResponse = z.infer<typeof anthropicMessageResponseSchema>;

export const anthropicErrorBodySchema = z.object({
  type: z.literal("error"),
  error: z.object({ type: z.string(), message: z.string().nullish() }),
});
export type AnthropicErrorBody = z.infer<typeof anthropicErrorBodySchema>;

/** Stream events we act on. Anthropic may add event types; unknown ones are skipped. */
export const anthropicStreamEventSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("message_start"),
    message: z.object({ id: z.string(), model: z.string(), usage: anthropicUsageSchema.nullish() }),
  }),
  z.object({
    type: z.literal("content_block_start"),
    index: z.number(),
    content_block: z.union([
      z.object({ type: z.literal("text"), text: z.string().nullish() }),
      z.object({ type: z.literal("tool_use"), id: z.string(), name: z.string() }),
      z.object({ type: z.literal("thinking"), thinking: z.string().nullish() }),
      z.object({ type: z.literal("redacted_thinking"), data: z.string() }),
      otherTypeSchema(["text", "tool_use", "thinking", "redacted_thinking"]),
    ]),
  }),
  z.object({
    type: z.literal("content_block_delta"),
    index: z.number(),
    delta: z.union([
      z.object({ type: z.literal("text_delta"), text: z.string() }),
      z.object({ type: z.literal("input_json_delta"), partial_json: z.string() }),
      z.object({ type: z.literal("thinking_delta"), thinking: z.string() }),
      z.object({ type: z.literal("signature_delta"), signature: z.string() }),
      otherTypeSchema(["text_delta", "input_json_delta", "thinking_delta", "signature_delta"]),
    ]),
  }),
  z.object({ type: z.literal("content_block_stop"), index: z.number() }),
  z.object({
    type: z.literal("message_delta"),
    delta: z.object({ stop_reason: z.string().nullish() }),
    usage: anthropicUsageSchema.nullish(),
  }),
  z.object({ type: z.literal("message_stop") }),
  z.object({ type: z.literal("ping") }),
  anthropicErrorBodySchema,
]);
export type AnthropicStreamEvent = z.infer<typeof anthropicStreamEventSchema>;

export const anthropicStreamEventTypes: ReadonlySet<string> = new Set(
  anthropicStreamEventSchema.options.map((option) => option.shape.type.value),
);
