import { z } from "zod";
import { listedFanOutResult } from "./listed-chat-schemas.js";
import { memoizeJsonSchema } from "./memoize-json-schema.js";
import { attemptSchema } from "./tool-schemas.js";

const usageSchema = z.object({
  input_tokens: z.number(),
  output_tokens: z.number(),
  cached_input_tokens: z.number(),
  cache_write_tokens: z.number(),
  total_tokens: z.number(),
});

const toolCallSchema = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
  // Gemini's thought signature: send the tool call back as it came.
  extra_content: z
    .object({ google: z.object({ thought_signature: z.string().optional() }).optional() })
    .optional(),
});

const truncatedSchema = z
  .object({ shown_tokens: z.number(), total_tokens: z.number(), uri: z.string() })
  .describe("The answer was cut: resources/read uri for the whole text.");

/** What one answer carries, answer first (Claude Code gives its model this JSON). */
const answerShape = {
  content: z.string().nullable(),
  tool_calls: z.array(toolCallSchema).optional(),
  truncated: truncatedSchema.optional(),
  model: z.string(),
  provider: z.string(),
  usage: usageSchema,
  cost_usd: z.number(),
  latency_ms: z.number(),
};

const fanOutEntrySchema = z.object({
  asked: z.string(),
  ...z.object(answerShape).partial().shape,
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/**
 * chat_completion's result: one answer, or with `models` one entry per model
 * (`answers`) and the judge's `synthesis`; so the answer's own fields are
 * optional here, and always present on a single answer.
 */
export const chatOutputSchema = memoizeJsonSchema(
  z.object({
    ...z.object(answerShape).partial().shape,
    reasoning_content: z.string().optional(),
    finish_reason: z.string().nullable().optional(),
    attempts: z.array(attemptSchema).optional().describe("Present when a model failed or was skipped first."),
    cache: z.enum(["hit", "miss"]).optional(),
    conversation_id: z.string().optional().describe("absent when the conversation store is down"),
    turns_left_out: z.number().optional().describe("oldest turns not sent: the context window was full"),
    id: z.string().optional(),
    synthesis: fanOutEntrySchema.optional(),
    answers: z.array(fanOutEntrySchema).optional(),
    job_id: z.string().optional().describe("background: for get_job"),
    status: z.string().optional(),
  }),
  listedFanOutResult,
);
