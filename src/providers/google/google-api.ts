import { z } from "zod";

/*
 * Gemini API wire shapes (ai.google.dev/api/generate-content, .../embeddings).
 * Response schemas hold only the fields we read and forgive missing ones;
 * request types describe what we send.
 */

export interface GoogleFunctionCall {
  name: string;
  args: Record<string, unknown>;
  id?: string;
}

export type GooglePart =
  | { text: string; thought?: boolean }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType: string; fileUri: string } }
  | { functionCall: GoogleFunctionCall; thoughtSignature?: string }
  | { functionResponse: { name: string; response: Record<string, unknown> } };

export interface GoogleContent {
  role: "user" | "model";
  parts: GooglePart[];
}

export interface GoogleFunctionDeclaration {
  name: string;
  description?: string;
  parametersJsonSchema?: Record<string, unknown>;
}

export interface GoogleGenerationConfig {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
  responseMimeType?: string;
  responseJsonSchema?: Record<string, unknown>;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  topK?: number;
  responseLogprobs?: boolean;
  logprobs?: number;
  /** ai.google.dev/gemini-api/docs/thinking: thoughts come back only with `includeThoughts`. */
  thinkingConfig?: { thinkingBudget?: number; includeThoughts?: boolean };
}

export interface GoogleGenerateContentRequest {
  contents: GoogleContent[];
  systemInstruction?: { parts: Array<{ text: string }> };
  generationConfig?: GoogleGenerationConfig;
  tools?: Array<{ functionDeclarations: GoogleFunctionDeclaration[] }>;
  toolConfig?: {
    functionCallingConfig: { mode: "AUTO" | "NONE" | "ANY"; allowedFunctionNames?: string[] };
  };
}

const googlePartSchema = z.object({
  text: z.string().nullish(),
  thought: z.boolean().nullish(),
  /** Gemini 2.5/3 sign their reasoning; a function call's signature must come back with it. */
  thoughtSignature: z.string().nullish(),
  functionCall: z
    .object({
      name: z.string(),
      args: z.record(z.string(), z.unknown()).nullish(),
      id: z.string().nullish(),
    })
    .nullish(),
});

export const googleUsageMetadataSchema = z.object({
  promptTokenCount: z.number().nullish(),
  cachedContentTokenCount: z.number().nullish(),
  candidatesTokenCount: z.number().nullish(),
  thoughtsTokenCount: z.number().nullish(),
  toolUsePromptTokenCount: z.number().nullish(),
  totalTokenCount: z.number().nullish(),
});

export type GoogleUsageMetadata = z.infer<typeof googleUsageMetadataSchema>;

const googleLogprobCandidateSchema = z.object({
  token: z.string().nullish(),
  logProbability: z.number().nullish(),
});

/** Present when the request set `responseLogprobs` (ai.google.dev/api/generate-content#LogprobsResult). */
const googleLogprobsResultSchema = z.object({
  topCandidates: z.array(z.object({ candidates: z.array(googleLogprobCandidateSchema).nullish() })).nullish(),
  chosenCandidates: z.array(googleLogprobCandidateSchema).nullish(),
});
export type GoogleLogprobsResult = z.infer<typeof googleLogprobsResultSchema>;

/** One `GenerateContentResponse`: the whole answer, or one chunk of a stream. */
export const googleGenerateContentResponseSchema = z.object({
  candidates: z
    .array(
      z.object({
        content: z.object({ parts: z.array(googlePartSchema).nullish() }).nullish(),
        finishReason: z.string().nullish(),
        logprobsResult: googleLogprobsResultSchema.nullish(),
      }),
    )
    .nullish(),
  promptFeedback: z.object({ blockReason: z.string().nullish() }).nullish(),
  usageMetadata: googleUsageMetadataSchema.nullish(),
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
});

export type GoogleGenerateContentResponse = z.infer<typeof googleGenerateContentResponseSchema>;
export type GoogleResponsePart = z.infer<typeof googlePartSchema>;

/**
 * models.countTokens (ai.google.dev/api/tokens): a whole generateContent
 * request, so the system instruction and tools count too. Its `model` is
 * required there, as `models/...`.
 */
export interface GoogleCountTokensRequest {
  generateContentRequest: Omit<GoogleGenerateContentRequest, "generationConfig"> & { model: string };
}

export const googleCountTokensResponseSchema = z.object({
  totalTokens: z.number().int().nonnegative(),
});

export interface GoogleBatchEmbedRequest {
  requests: Array<{
    model: string;
    content: { parts: Array<{ text: string }> };
    outputDimensionality?: number;
  }>;
}

export const googleBatchEmbedResponseSchema = z.object({
  embeddings: z.array(z.object({ values: z.array(z.number()) })),
});

/** Vertex AI's `predict` for embedding models (text-embedding-005, gemini-embedding-001). */
export interface VertexPredictEmbeddingsRequest {
  instances: Array<{ content: string }>;
  parameters?: { outputDimensionality: number };
}

export const vertexPredictEmbeddingsResponseSchema = z.object({
  predictions: z.array(
    z.object({
      embeddings: z.object({
        values: z.array(z.number()),
        statistics: z.object({ token_count: z.number().nullish() }).nullish(),
      }),
    }),
  ),
});
