import { z } from "zod";
import { maxJsonSchemaDepth, maxMessages, nestsWithin } from "../../core/chat-schema.js";
import { SparseObjectSchema } from "../../core/sparse-object-schema.js";
import { systemMessagePlacementIssue } from "./system-message-placement.js";

/**
 * The Messages API request (https://docs.claude.com/en/api/messages) as far as
 * the door reads it. Block and tool types it does not know stay in the parsed
 * value (loose objects) so the converter can refuse them by name instead of
 * dropping them; unknown top-level fields are ignored, as on the OpenAI door.
 */

const translatedBlockTypes = new Set(["text", "image", "tool_use", "tool_result"]);

const cacheControl = z.looseObject({ type: z.string() }).nullish();

const textBlock = z.looseObject({ type: z.literal("text"), text: z.string(), cache_control: cacheControl });

const imageBlock = z.looseObject({
  type: z.literal("image"),
  source: z.discriminatedUnion("type", [
    z.object({
      type: z.literal("base64"),
      media_type: z.string().min(1).max(64),
      data: z.string().min(1).max(30_000_000),
    }),
    z.object({ type: z.literal("url"), url: z.string().min(1).max(30_000) }),
  ]),
  cache_control: cacheControl,
});

const toolUseBlock = z.looseObject({
  type: z.literal("tool_use"),
  id: z.string().min(1).max(256),
  name: z.string().min(1).max(256),
  input: z.unknown(),
  cache_control: cacheControl,
});

const toolResultBlock = z.looseObject({
  type: z.literal("tool_result"),
  tool_use_id: z.string().min(1).max(256),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })).max(512)]).optional(),
  is_error: z.boolean().nullish(),
  cache_control: cacheControl,
});

/** Any other block (thinking, document, server tool results, ...): the converter decides. */
const otherBlock = z.looseObject({
  type: z
    .string()
    .min(1)
    .refine((type) => !translatedBlockTypes.has(type), "is malformed for its type"),
});

export const anthropicContentBlockSchema = z.union([
  textBlock,
  imageBlock,
  toolUseBlock,
  toolResultBlock,
  otherBlock,
]);

export type AnthropicContentBlock = z.infer<typeof anthropicContentBlockSchema>;

const turnSchema = z.object({
  role: z.enum(["user", "assistant"]),
  content: z.union([z.string(), z.array(anthropicContentBlockSchema).max(1024)]),
});

/**
 * A system message inside `messages` (Claude Opus 4.8 and later take one
 * after a user turn): text only, as a string or text blocks
 * (platform.claude.com/docs/en/build-with-claude/mid-conversation-system-messages).
 */
const systemMessageSchema = z.object({
  role: z.literal("system"),
  content: z.union([
    z.string(),
    z
      .array(
        anthropicContentBlockSchema.refine(
          (block) => block.type === "text",
          "a 'system' message takes text blocks only",
        ),
      )
      .max(1024),
  ]),
  cache_control: cacheControl,
});

const messageSchema = z.discriminatedUnion("role", [turnSchema, systemMessageSchema]);

export type AnthropicMessage = z.infer<typeof messageSchema>;

const messagesSchema = z
  .array(messageSchema)
  .min(1, "at least one message is required")
  .max(maxMessages)
  .superRefine((messages, context) => {
    const issue = systemMessagePlacementIssue(messages);
    if (issue) context.addIssue({ code: "custom", path: [issue.index], message: issue.message });
  });

const inputSchema = z
  .record(z.string(), z.unknown())
  .refine(
    (schema) => nestsWithin(schema, maxJsonSchemaDepth),
    `must nest at most ${maxJsonSchemaDepth} levels`,
  );

/** A client tool has no `type` (or "custom"); anything else is a server tool (web_search_..., bash_...). */
const toolSchema = z.looseObject({
  type: z.string().nullish(),
  name: z.string().min(1).max(256),
  description: z.string().max(100_000).nullish(),
  input_schema: inputSchema.nullish(),
  cache_control: cacheControl,
});

export type AnthropicTool = z.infer<typeof toolSchema>;

const toolChoiceSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("auto"), disable_parallel_tool_use: z.boolean().nullish() }),
  z.object({ type: z.literal("any"), disable_parallel_tool_use: z.boolean().nullish() }),
  z.object({ type: z.literal("none") }),
  z.object({
    type: z.literal("tool"),
    name: z.string().min(1).max(256),
    disable_parallel_tool_use: z.boolean().nullish(),
  }),
]);

export type AnthropicToolChoice = z.infer<typeof toolChoiceSchema>;

const promptShape = {
  model: z.string().min(1).max(256),
  messages: messagesSchema,
  system: z.union([z.string(), z.array(anthropicContentBlockSchema).max(64)]).nullish(),
  tools: z.array(toolSchema).max(512).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  thinking: z.looseObject({ type: z.string() }).nullish(),
};

export const anthropicMessagesRequestSchema = z.looseObject({
  ...promptShape,
  max_tokens: z.number().int().positive().max(10_000_000),
  stream: z.boolean().nullish(),
  temperature: z.number().min(0).max(1).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.number().int().nonnegative().nullish(),
  stop_sequences: z.array(z.string()).max(16).nullish(),
  metadata: z.looseObject({ user_id: z.string().max(4096).nullish() }).nullish(),
  output_config: z
    .object({
      effort: z.string().nullish(),
      format: z.looseObject({ type: z.string(), schema: inputSchema.nullish() }).nullish(),
    })
    .passthrough()
    .nullish(),
  context_management: z.unknown().optional(),
  service_tier: z.string().nullish(),
  container: z.unknown().optional(),
  mcp_servers: z.array(z.unknown()).nullish(),
});

export type AnthropicMessagesRequest = z.infer<typeof anthropicMessagesRequestSchema>;
/** What POST /v1/messages parses: the schema, by the fields a body sends. */
export const anthropicMessagesRequestBody = new SparseObjectSchema(anthropicMessagesRequestSchema);

/** count_tokens takes the prompt fields only. */
export const anthropicCountTokensRequestSchema = z.looseObject(promptShape);
export const anthropicCountTokensRequestBody = new SparseObjectSchema(anthropicCountTokensRequestSchema);

export type AnthropicCountTokensRequest = z.infer<typeof anthropicCountTokensRequestSchema>;
