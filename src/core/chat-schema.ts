import { z } from "zod";

/**
 * Zod schemas for the OpenAI chat shape, shared by both doors so a request is
 * validated once, the same way. They accept what OpenAI accepts for the
 * fields we translate and ignore unknown extra fields, as OpenAI-compatible
 * servers do.
 */

export const identifierSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, "must be 1-128 characters of letters, digits, '.', '_', ':' or '-'");

/**
 * JSON Schemas (tool parameters, response formats) are forwarded as they
 * are, and serialising them recurses once per level: a schema nested 100,000
 * levels deep overflowed the stack inside the provider call, which then
 * counted as a provider failure (a 502, and a step towards opening every
 * circuit). Real schemas are a few levels deep; this bound is generous.
 */
export const maxJsonSchemaDepth = 64;

/** Iterative, so checking a hostile value cannot overflow the stack either. */
export function nestsWithin(value: unknown, maxDepth: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    if (typeof node !== "object" || node === null) continue;
    if (depth >= maxDepth) return false;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return true;
}

const jsonSchemaObject = z
  .record(z.string(), z.unknown())
  .refine(
    (schema) => nestsWithin(schema, maxJsonSchemaDepth),
    `must nest at most ${maxJsonSchemaDepth} levels`,
  );

/** Anthropic's cache breakpoint (see CacheControl); the TTL is 5m unless `1h`. */
export const cacheControlSchema = z.object({
  type: z.literal("ephemeral"),
  ttl: z.enum(["5m", "1h"]).optional(),
});

const textPartSchema = z.object({
  type: z.literal("text"),
  text: z.string(),
  cache_control: cacheControlSchema.optional(),
});
const imageUrlPartSchema = z.object({
  type: z.literal("image_url"),
  image_url: z.object({
    url: z.string().min(1).max(30_000_000),
    detail: z.enum(["auto", "low", "high"]).optional(),
  }),
});
export const contentPartSchema = z.discriminatedUnion("type", [textPartSchema, imageUrlPartSchema]);

export const toolCallSchema = z.object({
  id: z.string().min(1).max(256),
  type: z.literal("function"),
  function: z.object({ name: z.string().min(1).max(256), arguments: z.string() }),
  extra_content: z
    .object({ google: z.object({ thought_signature: z.string().max(1_000_000).optional() }).optional() })
    .optional(),
});

/** What the gateway returned as `thinking_blocks`, sent back unchanged. */
export const thinkingBlockSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("thinking"), thinking: z.string(), signature: z.string() }),
  z.object({ type: z.literal("redacted_thinking"), data: z.string() }),
]);

export const chatMessageSchema = z.object({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z
    .union([z.string(), z.array(contentPartSchema).max(512), z.null()])
    .optional()
    .default(null),
  name: z.string().max(256).optional(),
  tool_calls: z.array(toolCallSchema).max(256).optional(),
  tool_call_id: z.string().max(256).optional(),
  cache_control: cacheControlSchema.optional(),
  thinking_blocks: z.array(thinkingBlockSchema).max(256).optional(),
  reasoning_content: z
    .string()
    .nullish()
    .transform((value) => value ?? undefined),
});

export const functionToolSchema = z.object({
  type: z.literal("function"),
  function: z.object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "tool names are 1-64 characters of letters, digits, '_' or '-'"),
    description: z.string().max(10_000).optional(),
    parameters: jsonSchemaObject.optional(),
    strict: z
      .boolean()
      .nullish()
      .transform((value) => value ?? undefined),
  }),
  cache_control: cacheControlSchema.optional(),
});

export const toolChoiceSchema = z.union([
  z.enum(["none", "auto", "required"]),
  z.object({ type: z.literal("function"), function: z.object({ name: z.string().min(1) }) }),
]);

export const responseFormatSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    json_schema: z.object({
      name: z.string().min(1).max(64),
      description: z.string().optional(),
      schema: jsonSchemaObject.optional(),
      strict: z
        .boolean()
        .nullish()
        .transform((value) => value ?? undefined),
    }),
  }),
]);

export const maxMessages = 4096;

/** Sampling and tool fields common to the MCP tool and the /v1 door. */
export const chatOptionsShape = {
  messages: z.array(chatMessageSchema).min(1, "at least one message is required").max(maxMessages),
  max_tokens: z.number().int().positive().max(10_000_000).optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  stop: z.union([z.string(), z.array(z.string()).max(16)]).optional(),
  tools: z.array(functionToolSchema).max(512).optional(),
  tool_choice: toolChoiceSchema.optional(),
  response_format: responseFormatSchema.optional(),
  thinking: z
    .discriminatedUnion("type", [
      z.object({ type: z.literal("enabled"), budget_tokens: z.number().int().min(1024).max(10_000_000) }),
      z.object({ type: z.literal("disabled") }),
    ])
    .optional(),
};
