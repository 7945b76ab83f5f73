import { z } from "zod";
import type { ChatRequest } from "../../core/chat.js";
import type { ChatLogprobs } from "../../core/chat-parameters.js";

/*
 * OpenAI Chat Completions and Embeddings wire shapes
 * (platform.openai.com/docs/api-reference/chat). Response schemas hold only
 * the fields we read and forgive what OpenAI-compatible servers (DeepSeek,
 * vLLM, Ollama, OpenRouter) leave out.
 */

/**
 * The request body we send to `POST {baseUrl}/chat/completions`: our request
 * is OpenAI's, plus the model and the fields that vary per model and call.
 */
export interface OpenAiChatRequestBody extends ChatRequest {
  model: string;
  max_completion_tokens?: number;
  stream?: true;
  stream_options?: { include_usage: true };
}

/** The request body we send to `POST {baseUrl}/embeddings`. */
export interface OpenAiEmbeddingRequestBody {
  model: string;
  input: string[];
  dimensions?: number;
  user?: string;
}

/**
 * OpenAI's usage, plus DeepSeek's prompt-cache counters
 * (api-docs.deepseek.com/guides/kv_cache), which only DeepSeek's usage hook reads.
 */
export const openAiUsageSchema = z.object({
  prompt_tokens: z.number().nullish(),
  completion_tokens: z.number().nullish(),
  total_tokens: z.number().nullish(),
  prompt_tokens_details: z.object({ cached_tokens: z.number().nullish() }).nullish(),
  completion_tokens_details: z.object({ reasoning_tokens: z.number().nullish() }).nullish(),
  prompt_cache_hit_tokens: z.number().nullish(),
  prompt_cache_miss_tokens: z.number().nullish(),
});
export type OpenAiUsage = z.infer<typeof openAiUsageSchema>;

const openAiLogprobsSchema = z.custom<ChatLogprobs>((value) => typeof value === "object").nullish();

const toolCallSchema = z.object({
  id: z.string().nullish(),
  type: z.literal("function").nullish(),
  function: z.object({ name: z.string(), arguments: z.string().nullish() }),
});

export const openAiChatResponseSchema = z.object({
  id: z.string().nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  choices: z.array(
    z.object({
      message: z.object({
        content: z.string().nullish(),
        /** Set instead of content when a model declines a structured-output request. */
        refusal: z.string().nullish(),
        reasoning_content: z.string().nullish(),
        tool_calls: z.array(toolCallSchema).nullish(),
      }),
      finish_reason: z.string().nullish(),
      /** Passed through as OpenAI sends it when the caller asked for `logprobs`. */
      logprobs: openAiLogprobsSchema,
    }),
  ),
  usage: openAiUsageSchema.nullish(),
});
export type OpenAiChatResponse = z.infer<typeof openAiChatResponseSchema>;

const toolCallDeltaSchema = z.object({
  index: z.number(),
  id: z.string().nullish(),
  type: z.literal("function").nullish(),
  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

export const openAiChatChunkSchema = z.object({
  id: z.string().nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  choices: z.array(
    z.object({
      index: z.number().nullish(),
      delta: z
        .object({
          content: z.string().nullish(),
          refusal: z.string().nullish(),
          reasoning_content: z.string().nullish(),
          tool_calls: z.array(toolCallDeltaSchema).nullish(),
        })
        .nullish(),
      finish_reason: z.string().nullish(),
      logprobs: openAiLogprobsSchema,
    }),
  ),
  usage: openAiUsageSchema.nullish(),
  /** Groq's own block; its last chunk carries the usage there (console.groq.com/docs/api-reference). */
  x_groq: z.object({ usage: openAiUsageSchema.nullish() }).nullish(),
});
export type OpenAiChatChunk = z.infer<typeof openAiChatChunkSchema>;

/**
 * A chunk that plainly has the schema's shape without tool calls, logprobs or usage (nearly every
 * chunk of a stream) is taken as it is; anything else goes through `openAiChatChunkSchema`. Checking
 * by hand what zod would check cost a tenth of zod's copy, on a path run for every chunk.
 */
export function plainOpenAiChatChunk(body: unknown): OpenAiChatChunk | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const chunk = body as Record<string, unknown>;
  if (!absentOr(chunk.id, "string") || !absentOr(chunk.model, "string") || !absentOr(chunk.created, "number"))
    return undefined;
  if (chunk.usage != null || chunk.x_groq != null || !Array.isArray(chunk.choices)) return undefined;
  for (const choice of chunk.choices as unknown[]) {
    if (typeof choice !== "object" || choice === null) return undefined;
    const { index, finish_reason, logprobs, delta } = choice as Record<string, unknown>;
    if (!absentOr(index, "number") || !absentOr(finish_reason, "string") || logprobs != null)
      return undefined;
    if (delta == null) continue;
    if (typeof delta !== "object") return undefined;
    const { content, refusal, reasoning_content, tool_calls } = delta as Record<string, unknown>;
    if (!absentOr(content, "string") || !absentOr(refusal, "string")) return undefined;
    if (!absentOr(reasoning_content, "string") || tool_calls != null) return undefined;
  }
  return chunk as OpenAiChatChunk;
}

function absentOr(value: unknown, type: "string" | "number"): boolean {
  return value == null || typeof value === type;
}

export const openAiEmbeddingResponseSchema = z.object({
  model: z.string().nullish(),
  data: z.array(z.object({ index: z.number().nullish(), embedding: z.array(z.number()) })),
  usage: z.object({ prompt_tokens: z.number().nullish(), total_tokens: z.number().nullish() }).nullish(),
});
