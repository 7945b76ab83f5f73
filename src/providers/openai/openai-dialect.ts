import type { ChatUsage } from "../../core/chat.js";
import type { ParameterSupport } from "../../core/parameter-support.js";
import { convertOpenAiUsage } from "./convert-openai-usage.js";
import type { OpenAiUsage } from "./openai-api.js";
import { openAiParameterSupport } from "./openai-parameter-support.js";

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
}

export const openAiDialect: OpenAiDialect = {
  defaultBaseUrl: "https://api.openai.com/v1",
  supportsDeveloperRole: true,
  hasEmbeddings: true,
  convertUsage: convertOpenAiUsage,
  parameterSupport: openAiParameterSupport,
  reasoningEffortOnlyForReasoningModels: true,
};
