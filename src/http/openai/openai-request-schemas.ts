import { z } from "zod";
import { chatParametersShape } from "../../core/chat-parameters.js";
import { chatOptionsShape } from "../../core/chat-schema.js";
import { SparseObjectSchema } from "../../core/sparse-object-schema.js";

/**
 * OpenAI's request bodies: every Chat Completions parameter, validated as
 * OpenAI does. Unknown fields are ignored (zod strips them), as
 * OpenAI-compatible servers do.
 */
const openAiChatRequestFields = z.object({
  ...chatOptionsShape,
  ...chatParametersShape,
  model: z.string().min(1).max(128),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  max_completion_tokens: z.number().int().positive().max(10_000_000).nullish(),
  user: z.string().max(256).nullish(),
  // Deprecated by OpenAI in favour of tools/tool_choice, whose answers have another shape.
  functions: z
    .unknown()
    .optional()
    .refine((value) => value == null, "`functions` is deprecated: send `tools`"),
  function_call: z
    .unknown()
    .optional()
    .refine((value) => value == null, "`function_call` is deprecated: send `tool_choice`"),
});

function refineOpenAiChatRequest(
  request: z.output<typeof openAiChatRequestFields>,
  context: z.RefinementCtx<z.output<typeof openAiChatRequestFields>>,
): void {
  if (request.top_logprobs != null && request.logprobs !== true) {
    context.addIssue({ code: "custom", path: ["top_logprobs"], message: "needs `logprobs: true`" });
  }
  // One streamed choice is what the stream assembly and booking read.
  if (request.stream && request.n != null && request.n > 1) {
    context.addIssue({ code: "custom", path: ["n"], message: "n > 1 is only supported without `stream`" });
  }
  if (request.modalities?.includes("audio") && !request.audio) {
    context.addIssue({
      code: "custom",
      path: ["audio"],
      message: 'is required with `modalities: ["audio"]`',
    });
  }
}

/** What POST /v1/chat/completions parses (by the fields a body sends); `.whole` is the zod schema. */
export const openAiChatRequestBody = new SparseObjectSchema(openAiChatRequestFields, refineOpenAiChatRequest);

export type OpenAiChatRequest = z.output<typeof openAiChatRequestFields>;

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
