import { z } from "zod";
import { maxMessages } from "../../core/chat-schema.js";
import { SparseObjectSchema } from "../../core/sparse-object-schema.js";

/**
 * The Responses API request (https://platform.openai.com/docs/api-reference/responses/create)
 * as far as the door reads it. Items, parts and tools of types it does not
 * translate stay in the parsed value (loose objects) so the converter can
 * name them; unknown top-level fields are ignored here and reach OpenAI
 * deployments untouched, with the rest of the body.
 */

const text = z.string().max(10_000_000);

const contentPart = z.looseObject({
  type: z.string().min(1),
  text: text.nullish(),
  image_url: z.string().max(30_000_000).nullish(),
  file_id: z.string().nullish(),
  detail: z.enum(["auto", "low", "high"]).nullish(),
  refusal: z.string().nullish(),
});
export type ResponsesContentPart = z.infer<typeof contentPart>;

const messageItem = z.looseObject({
  type: z.literal("message").optional(),
  role: z.enum(["user", "assistant", "system", "developer"]),
  content: z.union([text, z.array(contentPart).max(1024)]),
});

const functionCallItem = z.looseObject({
  type: z.literal("function_call"),
  call_id: z.string().min(1).max(256),
  name: z.string().min(1).max(256),
  arguments: z.string().max(10_000_000),
});

const functionCallOutputItem = z.looseObject({
  type: z.literal("function_call_output"),
  call_id: z.string().min(1).max(256),
  output: z.union([text, z.array(contentPart).max(1024)]),
});

/** Reasoning items, other tool calls and their outputs, item references: the converter decides. */
const otherItem = z.looseObject({
  type: z
    .string()
    .min(1)
    .refine(
      (type) => !["message", "function_call", "function_call_output"].includes(type),
      "is malformed for its type",
    ),
});

export const responsesInputItemSchema = z.union([
  messageItem,
  functionCallItem,
  functionCallOutputItem,
  otherItem,
]);
export type ResponsesInputItem = z.infer<typeof responsesInputItemSchema>;

const functionTool = z.looseObject({
  type: z.literal("function"),
  name: z.string().min(1).max(256),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});
export type ResponsesFunctionTool = z.infer<typeof functionTool>;

/** Codex groups some functions under a `namespace` entry. */
const namespaceTool = z.looseObject({
  type: z.literal("namespace"),
  name: z.string().nullish(),
  tools: z.array(z.looseObject({ type: z.string() })).max(512),
});

const otherTool = z.looseObject({
  type: z
    .string()
    .min(1)
    .refine((type) => type !== "function" && type !== "namespace", "is malformed for its type"),
});

export const responsesToolSchema = z.union([functionTool, namespaceTool, otherTool]);
export type ResponsesTool = z.infer<typeof responsesToolSchema>;

const textFormat = z.union([
  z.looseObject({ type: z.literal("text") }),
  z.looseObject({ type: z.literal("json_object") }),
  z.looseObject({
    type: z.literal("json_schema"),
    name: z.string().min(1).max(64),
    description: z.string().nullish(),
    schema: z.record(z.string(), z.unknown()),
    strict: z.boolean().nullish(),
  }),
]);

export const responsesRequestSchema = z.looseObject({
  model: z.string().min(1).max(256),
  input: z.union([text, z.array(responsesInputItemSchema).max(maxMessages)]),
  instructions: text.nullish(),
  tools: z.array(responsesToolSchema).max(512).nullish(),
  tool_choice: z
    .union([
      z.enum(["none", "auto", "required"]),
      z.looseObject({ type: z.literal("function"), name: z.string().min(1) }),
      z.looseObject({ type: z.string().refine((type) => type !== "function", "needs a name") }),
    ])
    .nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  text: z.looseObject({ format: textFormat.nullish(), verbosity: z.string().nullish() }).nullish(),
  reasoning: z.looseObject({ effort: z.string().nullish(), summary: z.string().nullish() }).nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
  previous_response_id: z.string().nullish(),
  include: z.array(z.string()).nullish(),
  prompt_cache_key: z.string().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  user: z.string().nullish(),
  safety_identifier: z.string().nullish(),
  background: z.boolean().nullish(),
  conversation: z.unknown().optional(),
  prompt: z.unknown().optional(),
  max_tool_calls: z.number().nullish(),
  top_logprobs: z.number().nullish(),
});
export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;
/** What POST /v1/responses parses: the schema, by the fields a body sends. */
export const responsesRequestBody = new SparseObjectSchema(responsesRequestSchema);
