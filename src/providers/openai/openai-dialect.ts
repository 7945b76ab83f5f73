import type { ChatUsage } from "../../core/chat.js";
import { convertOpenAiUsage } from "./convert-openai-usage.js";
import type { OpenAiUsage } from "./openai-api.js";

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
}

export const openAiDialect: OpenAiDialect = {
  defaultBaseUrl: "https://api.openai.com/v1",
  supportsDeveloperRole: true,
  hasEmbeddings: true,
  convertUsage: convertOpenAiUsage,
};
