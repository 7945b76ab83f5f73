import { z } from "zod";

/**
 * The Chat Completions request parameters beyond messages, sampling basics
 * and tools (platform.openai.com/docs/api-reference/chat/create), validated
 * as OpenAI validates them. Which provider forwards, translates, ignores or
 * cannot honour each one is its `ParameterSupport` table (parameter-support.ts).
 */

export type ReasoningEffort = "none" | "minimal" | "low" | "medium" | "high" | "xhigh";

export interface ChatLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs?: Array<{ token: string; logprob: number; bytes: number[] | null }>;
}

/** OpenAI's `choices[].logprobs`, passed through from providers that return it. */
export interface ChatLogprobs {
  content: ChatLogprob[] | null;
  refusal?: ChatLogprob[] | null;
}

export interface ChatParameters {
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  logprobs?: boolean;
  top_logprobs?: number;
  logit_bias?: Record<string, number>;
  parallel_tool_calls?: boolean;
  reasoning_effort?: ReasoningEffort;
  service_tier?: "auto" | "default" | "flex" | "scale" | "priority";
  verbosity?: "low" | "medium" | "high";
  prediction?: { type: "content"; content: string | Array<{ type: "text"; text: string }> };
  metadata?: Record<string, string>;
  store?: boolean;
  n?: number;
  modalities?: Array<"text" | "audio">;
  audio?: { voice: string | { id: string }; format: "wav" | "aac" | "mp3" | "flac" | "opus" | "pcm16" };
  web_search_options?: {
    search_context_size?: "low" | "medium" | "high";
    user_location?: Record<string, unknown> | null;
  };
  prompt_cache_key?: string;
  prompt_cache_retention?: "in-memory" | "24h";
  safety_identifier?: string;
  /** Not OpenAI's: Anthropic's, Gemini's and vLLM's top-k sampling, accepted as an extension. */
  top_k?: number;
}

/** `null` means "not given" in OpenAI's API, as the official SDKs send it. */
const optional = <T extends z.ZodType>(schema: T) =>
  schema.nullish().transform((value) => value ?? undefined);

const penalty = z.number().min(-2).max(2);

export const chatParametersShape = {
  seed: optional(z.number().int()),
  frequency_penalty: optional(penalty),
  presence_penalty: optional(penalty),
  logprobs: optional(z.boolean()),
  top_logprobs: optional(z.number().int().min(0).max(20)),
  // Token ids to a bias between -100 and 100 (OpenAI refuses other keys and values).
  logit_bias: optional(
    z
      .record(z.string().regex(/^\d+$/, "logit_bias keys are token ids"), z.number().min(-100).max(100))
      .refine((bias) => Object.keys(bias).length <= 300, "at most 300 logit_bias entries"),
  ),
  parallel_tool_calls: optional(z.boolean()),
  reasoning_effort: optional(z.enum(["none", "minimal", "low", "medium", "high", "xhigh"])),
  service_tier: optional(z.enum(["auto", "default", "flex", "scale", "priority"])),
  verbosity: optional(z.enum(["low", "medium", "high"])),
  prediction: optional(
    z.object({
      type: z.literal("content"),
      content: z.union([
        z.string(),
        z.array(z.object({ type: z.literal("text"), text: z.string() })).max(512),
      ]),
    }),
  ),
  metadata: optional(
    z
      .record(z.string().max(64), z.string().max(512))
      .refine((entries) => Object.keys(entries).length <= 16, "at most 16 metadata pairs"),
  ),
  store: optional(z.boolean()),
  n: optional(z.number().int().min(1).max(128)),
  modalities: optional(z.array(z.enum(["text", "audio"])).max(2)),
  audio: optional(
    z.object({
      voice: z.union([z.string().min(1).max(64), z.object({ id: z.string().min(1).max(128) })]),
      format: z.enum(["wav", "aac", "mp3", "flac", "opus", "pcm16"]),
    }),
  ),
  web_search_options: optional(
    z.object({
      search_context_size: z.enum(["low", "medium", "high"]).optional(),
      user_location: z.record(z.string(), z.unknown()).nullish(),
    }),
  ),
  prompt_cache_key: optional(z.string().max(1024)),
  prompt_cache_retention: optional(z.enum(["in-memory", "24h"])),
  safety_identifier: optional(z.string().max(256)),
  top_k: optional(z.number().int().min(1).max(1000)),
};
