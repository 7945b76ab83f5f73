import { z } from "zod";
import { chatOptionsShape } from "../../core/chat-schema.js";

/**
 * OpenAI's request bodies, as far as the gateway translates them. Unknown
 * fields are ignored (zod strips them), as OpenAI-compatible servers do.
 */
export const openAiChatRequestSchema = z.object({
  ...chatOptionsShape,
  model: z.string().min(1).max(128),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  max_completion_tokens: z.number().int().positive().max(10_000_000).nullish(),
  n: z.literal(1, { error: "only n=1 is supported: the gateway returns one choice" }).nullish(),
  user: z.string().max(256).nullish(),
});

export type OpenAiChatRequest = z.infer<typeof openAiChatRequestSchema>;

export const openAiEmbeddingsRequestSchema = z.object({
  model: z.string().min(1).max(128),
  input: z.union([
    z.string().min(1),
    z.array(z.string().min(1)).min(1).max(2048),
    z.array(z.unknown()).refine(() => false, "token-id input is not supported: send text"),
  ]),
  dimensions: z.number().int().positive().max(16_384).nullish(),
  encoding_format: z.enum(["float", "base64"]).nullish(),
  user: z.string().max(256).nullish(),
});
