import { z } from "zod";

/**
 * The Bedrock Converse API's wire shapes
 * (docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html,
 * the `@aws-sdk/client-bedrock-runtime` models). Request types are what we
 * send; response schemas hold only the fields we read, forgiving with `.nullish()`.
 */

export type BedrockImageFormat = "png" | "jpeg" | "gif" | "webp";

export interface BedrockCachePoint {
  cachePoint: { type: "default" };
}

export type BedrockToolResultContent = { text: string } | { json: unknown };

export type BedrockContentBlock =
  | { text: string }
  | { image: { format: BedrockImageFormat; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: unknown } }
  | { toolResult: { toolUseId: string; content: BedrockToolResultContent[]; status?: "success" | "error" } }
  | {
      reasoningContent: { reasoningText: { text: string; signature?: string } } | { redactedContent: string };
    }
  | BedrockCachePoint;

export interface BedrockMessage {
  role: "user" | "assistant";
  content: BedrockContentBlock[];
}

export type BedrockSystemBlock = { text: string } | BedrockCachePoint;

export type BedrockTool =
  | { toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } } }
  | BedrockCachePoint;

export type BedrockToolChoice =
  | { auto: Record<string, never> }
  | { any: Record<string, never> }
  | { tool: { name: string } };

export interface BedrockInferenceConfig {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
}

/** The Converse and ConverseStream body; the model id goes in the path. */
export interface BedrockConverseRequestBody {
  messages: BedrockMessage[];
  system?: BedrockSystemBlock[];
  inferenceConfig?: BedrockInferenceConfig;
  toolConfig?: { tools: BedrockTool[]; toolChoice?: BedrockToolChoice };
  /** Fields of the model's own API that Converse has no name for (`top_k`, Anthropic's `thinking`). */
  additionalModelRequestFields?: Record<string, unknown>;
}

export const bedrockUsageSchema = z.object({
  inputTokens: z.number().nullish(),
  outputTokens: z.number().nullish(),
  totalTokens: z.number().nullish(),
  cacheReadInputTokens: z.number().nullish(),
  cacheWriteInputTokens: z.number().nullish(),
});
export type BedrockUsage = z.infer<typeof bedrockUsageSchema>;

const bedrockResponseBlockSchema = z.object({
  text: z.string().nullish(),
  toolUse: z.object({ toolUseId: z.string(), name: z.string(), input: z.unknown() }).nullish(),
  reasoningContent: z
    .object({
      reasoningText: z.object({ text: z.string().nullish(), signature: z.string().nullish() }).nullish(),
      redactedContent: z.string().nullish(),
    })
    .nullish(),
});

export const bedrockConverseResponseSchema = z.object({
  output: z.object({
    message: z.object({ role: z.string().nullish(), content: z.array(bedrockResponseBlockSchema) }),
  }),
  stopReason: z.string().nullish(),
  usage: bedrockUsageSchema.nullish(),
});
export type BedrockConverseResponse = z.infer<typeof bedrockConverseResponseSchema>;

/** The JSON payload of each ConverseStream event, by its `:event-type` header. */
export const bedrockStreamEventSchemas = {
  messageStart: z.object({ role: z.string().nullish() }),
  contentBlockStart: z.object({
    contentBlockIndex: z.number(),
    start: z.object({ toolUse: z.object({ toolUseId: z.string(), name: z.string() }).nullish() }).nullish(),
  }),
  contentBlockDelta: z.object({
    contentBlockIndex: z.number(),
    delta: z.object({
      text: z.string().nullish(),
      toolUse: z.object({ input: z.string() }).nullish(),
      reasoningContent: z
        .object({
          text: z.string().nullish(),
          signature: z.string().nullish(),
          redactedContent: z.string().nullish(),
        })
        .nullish(),
    }),
  }),
  contentBlockStop: z.object({ contentBlockIndex: z.number() }),
  messageStop: z.object({ stopReason: z.string().nullish() }),
  metadata: z.object({ usage: bedrockUsageSchema.nullish() }),
} as const;

/** Errors as JSON `{message}` (some services spell it `Message`), the type in `x-amzn-ErrorType`. */
export const bedrockErrorBodySchema = z.object({
  message: z.string().nullish(),
  Message: z.string().nullish(),
});

/** CountTokens (`POST /model/{modelId}/count-tokens`): the Converse fields that count, wrapped. */
export interface BedrockCountTokensRequestBody {
  input: { converse: Omit<BedrockConverseRequestBody, "inferenceConfig"> };
}

export const bedrockCountTokensResponseSchema = z.object({ inputTokens: z.number() });
