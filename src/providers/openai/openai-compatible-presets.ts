import type { ProviderAdapter, ProviderKind, ProviderSettings } from "../../core/provider-adapter.js";
import { normalizeReasoningField } from "./normalize-reasoning-field.js";
import { openAiCompatibleDialect } from "./openai-compatible-adapter.js";
import type { OpenAiDialect } from "./openai-dialect.js";
import { createOpenAiFamilyAdapter } from "./openai-family-adapter.js";
import { openAiCompatibleParameterSupport } from "./openai-parameter-support.js";
import {
  groqParameterSupport,
  hostedOpenModelParameterSupport,
  lmStudioParameterSupport,
  ollamaParameterSupport,
  openRouterParameterSupport,
  xaiParameterSupport,
  xaiParameterSupportFor,
} from "./openai-preset-parameter-support.js";

export type OpenAiPresetKind = Extract<
  ProviderKind,
  "groq" | "xai" | "openrouter" | "together" | "fireworks" | "ollama" | "vllm" | "lmstudio"
>;

/**
 * Settings of the one OpenAI-compatible implementation, one per upstream
 * (vercel/ai extends `packages/openai-compatible` the same way). The base URL
 * here is only the adapter's fallback: configuration fills it in.
 */
const presetBase: OpenAiDialect = { ...openAiCompatibleDialect, normalizeBody: normalizeReasoningField };

export const openAiPresetDialects: Record<OpenAiPresetKind, OpenAiDialect> = {
  groq: {
    ...presetBase,
    defaultBaseUrl: "https://api.groq.com/openai/v1",
    parameterSupport: groqParameterSupport,
    hasEmbeddings: false,
    // Groq answers 400 to `messages[].name` (console.groq.com/docs/openai): a speaker label, left out.
    convertBody: (body) => ({
      ...body,
      messages: body.messages.map(({ name: _name, ...message }) => message),
    }),
  },
  xai: {
    ...presetBase,
    defaultBaseUrl: "https://api.x.ai/v1",
    parameterSupport: xaiParameterSupport,
    parameterSupportFor: (model) => xaiParameterSupportFor(model.providerModelId),
    hasEmbeddings: false,
  },
  openrouter: {
    ...presetBase,
    defaultBaseUrl: "https://openrouter.ai/api/v1",
    parameterSupport: openRouterParameterSupport,
    hasEmbeddings: true,
  },
  together: {
    ...presetBase,
    defaultBaseUrl: "https://api.together.ai/v1",
    parameterSupport: hostedOpenModelParameterSupport,
    hasEmbeddings: true,
  },
  fireworks: {
    ...presetBase,
    defaultBaseUrl: "https://api.fireworks.ai/inference/v1",
    parameterSupport: hostedOpenModelParameterSupport,
    hasEmbeddings: true,
  },
  ollama: {
    ...presetBase,
    defaultBaseUrl: "http://127.0.0.1:11434/v1",
    parameterSupport: ollamaParameterSupport,
  },
  vllm: {
    ...presetBase,
    defaultBaseUrl: "http://127.0.0.1:8000/v1",
    parameterSupport: openAiCompatibleParameterSupport,
  },
  lmstudio: {
    ...presetBase,
    defaultBaseUrl: "http://127.0.0.1:1234/v1",
    parameterSupport: lmStudioParameterSupport,
  },
};

/** The adapter factory of one preset kind, for the registry. */
export function openAiPresetAdapterFactory(
  kind: OpenAiPresetKind,
): (settings: ProviderSettings) => ProviderAdapter {
  return (settings) => createOpenAiFamilyAdapter(settings, openAiPresetDialects[kind]);
}
