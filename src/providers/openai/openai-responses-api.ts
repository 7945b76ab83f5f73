import { z } from "zod";

/*
 * OpenAI's Responses API on the wire (https://platform.openai.com/docs/api-reference/responses),
 * only the fields the adapter reads: the caller gets the provider's body and events untouched.
 */

export const openAiResponsesUsageSchema = z.object({
  input_tokens: z.number().nullish(),
  input_tokens_details: z.object({ cached_tokens: z.number().nullish() }).nullish(),
  output_tokens: z.number().nullish(),
  output_tokens_details: z.object({ reasoning_tokens: z.number().nullish() }).nullish(),
  total_tokens: z.number().nullish(),
});
export type OpenAiResponsesUsage = z.infer<typeof openAiResponsesUsageSchema>;

const outputItemSchema = z.looseObject({
  type: z.string(),
  id: z.string().nullish(),
  // message
  content: z
    .array(z.looseObject({ type: z.string(), text: z.string().nullish(), refusal: z.string().nullish() }))
    .nullish(),
  // function_call
  call_id: z.string().nullish(),
  name: z.string().nullish(),
  arguments: z.string().nullish(),
  // reasoning
  summary: z.array(z.looseObject({ text: z.string().nullish() })).nullish(),
});
export type OpenAiResponsesOutputItem = z.infer<typeof outputItemSchema>;

export const openAiResponseBodySchema = z.looseObject({
  id: z.string().nullish(),
  created_at: z.number().nullish(),
  model: z.string().nullish(),
  status: z.string().nullish(),
  error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
  incomplete_details: z.object({ reason: z.string().nullish() }).nullish(),
  output: z.array(outputItemSchema).nullish(),
  usage: openAiResponsesUsageSchema.nullish(),
});
export type OpenAiResponseBody = z.infer<typeof openAiResponseBodySchema>;

/** One streamed event; `type` says which of the other fields it has. */
export const openAiResponsesEventSchema = z.looseObject({
  type: z.string(),
  output_index: z.number().nullish(),
  item: outputItemSchema.nullish(),
  delta: z.string().nullish(),
  response: openAiResponseBodySchema.nullish(),
  // the `error` event
  code: z.string().nullish(),
  message: z.string().nullish(),
});
