import type { ChatUsage } from "../../core/chat.js";
import type { ProviderAdapter, ProviderSettings } from "../../core/provider-adapter.js";
import { convertOpenAiUsage } from "./convert-openai-usage.js";
import type { OpenAiUsage } from "./openai-api.js";
import type { OpenAiDialect } from "./openai-dialect.js";
import { createOpenAiFamilyAdapter } from "./openai-family-adapter.js";
import { deepSeekParameterSupport } from "./openai-parameter-support.js";

/**
 * DeepSeek speaks Chat Completions at `https://api.deepseek.com/chat/completions`,
 * with `reasoning_content` beside `content` (passed through by the shared
 * conversion), no `developer` role and no embeddings API.
 */
export const deepSeekDialect: OpenAiDialect = {
  defaultBaseUrl: "https://api.deepseek.com",
  supportsDeveloperRole: false,
  hasEmbeddings: false,
  convertUsage: convertDeepSeekUsage,
  parameterSupport: deepSeekParameterSupport,
  schemaInPrompt: true,
};

export function createDeepSeekAdapter(settings: ProviderSettings): ProviderAdapter {
  return createOpenAiFamilyAdapter(settings, deepSeekDialect);
}

/**
 * DeepSeek counts cache reads as `prompt_cache_hit_tokens` (and the rest as
 * `prompt_cache_miss_tokens`; both add up to `prompt_tokens`). Its
 * `prompt_tokens_details.cached_tokens`, where present, is not the billed figure.
 */
export function convertDeepSeekUsage(usage: OpenAiUsage): ChatUsage {
  const hit = usage.prompt_cache_hit_tokens;
  if (hit == null) return convertOpenAiUsage(usage);
  return convertOpenAiUsage({ ...usage, prompt_tokens_details: { cached_tokens: hit } });
}
