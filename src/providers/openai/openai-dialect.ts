import type { ChatRequest, ChatUsage } from "../../core/chat.js";
import type { EmbeddingRequest } from "../../core/embedding.js";
import type { ModelSpec } from "../../core/model-catalog.js";
import type { ParameterSupport } from "../../core/parameter-support.js";
import { convertOpenAiUsage } from "./convert-openai-usage.js";
import type { OpenAiChatRequestBody, OpenAiEmbeddingRequestBody, OpenAiUsage } from "./openai-api.js";
import { openAiParameterSupport } from "./openai-parameter-support.js";

/** The paths a dialect serves under its base URL. */
export type OpenAiEndpoint = "chat/completions" | "embeddings";

/**
 * What sets one OpenAI-compatible upstream apart from OpenAI itself. DeepSeek
 * and the generic `openai-compatible` kind are values of this, not copies of
 * the adapter (vercel/ai `packages/openai-compatible`, extended by `packages/deepseek`).
 */
export interface OpenAiDialect {
  /** Used when the configuration gives no base URL. */
  defaultBaseUrl: string;
  /** Upstreams without OpenAI's `developer` role get those messages as `system`. */
  supportsDeveloperRole: boolean;
  /** Whether the upstream serves `POST {baseUrl}/embeddings`. */
  hasEmbeddings: boolean;
  /** Reads the upstream's usage into ours. */
  convertUsage(usage: OpenAiUsage): ChatUsage;
  /** Which parameters are sent as given, translated, left out or cannot be honoured. */
  parameterSupport: ParameterSupport;
  /**
   * Upstreams with JSON mode but no `json_schema` response format (DeepSeek)
   * get `json_object` plus the schema in a system message, and the answer is
   * checked against the schema before it is returned.
   */
  schemaInPrompt?: boolean;
  /**
   * OpenAI refuses `reasoning_effort` for models that do not reason (gpt-4.1:
   * "not supported with this model"); a chain that fails over from a
   * reasoning request must not turn that into a 400, so it is left out for them.
   */
  reasoningEffortOnlyForReasoningModels?: boolean;
  /**
   * Where models of one upstream refuse different parameters (xAI's reasoning
   * models refuse `stop`): the table for one model, which the router reads
   * instead of `parameterSupport` to skip the deployment.
   */
  parameterSupportFor?(model: ModelSpec): ParameterSupport;
  /** The last step before the wire: renames and removals the upstream needs (Mistral's `random_seed`). */
  convertBody?(body: OpenAiChatRequestBody, request: ChatRequest, model: ModelSpec): Record<string, unknown>;
  /** The same for embeddings (Mistral's `output_dimension`). */
  convertEmbeddingBody?(body: OpenAiEmbeddingRequestBody, request: EmbeddingRequest): Record<string, unknown>;
  /**
   * A response body or stream chunk in OpenAI's shape before it is read
   * (Mistral's content-chunk arrays become `content` and `reasoning_content`).
   */
  normalizeBody?(body: unknown): unknown;
  /**
   * Where a call for `model` goes, when it is not `{baseUrl}/{endpoint}`
   * (Azure: `{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=...`).
   */
  urlFor?(baseUrl: string, endpoint: OpenAiEndpoint, model: ModelSpec): string;
  /**
   * The credential's headers, when it is not `Authorization: Bearer <key>` (Azure's `api-key`), asked
   * before every call: a token fetched from an authority is renewed before it expires.
   */
  authHeaders?(apiKey: string): Record<string, string> | Promise<Record<string, string>>;
  /** Reads the upstream's error envelope, when it is not OpenAI's. */
  extractErrorMessage?(body: unknown): string | undefined;
}

export const openAiDialect: OpenAiDialect = {
  defaultBaseUrl: "https://api.openai.com/v1",
  supportsDeveloperRole: true,
  hasEmbeddings: true,
  convertUsage: convertOpenAiUsage,
  parameterSupport: openAiParameterSupport,
  reasoningEffortOnlyForReasoningModels: true,
};
