import type { ParameterSupport } from "../core/parameter-support.js";
import { defaultAzureOpenAiApiVersion, type ProviderKind } from "../core/provider-adapter.js";
import { anthropicParameterSupport } from "./anthropic/anthropic-parameter-support.js";
import { bedrockParameterSupport } from "./bedrock/bedrock-parameter-support.js";
import { googleParameterSupport } from "./google/google-parameter-support.js";
import { azureOpenAiParameterSupport } from "./openai/azure-openai-parameter-support.js";
import { mistralParameterSupport } from "./openai/mistral-parameter-support.js";
import { openAiPresetDialects } from "./openai/openai-compatible-presets.js";
import {
  deepSeekParameterSupport,
  openAiCompatibleParameterSupport,
  openAiParameterSupport,
} from "./openai/openai-parameter-support.js";

/** Every chat provider kind's capability table, as its adapter carries it: the README's parameter table. */
export const parameterSupportByKind: Record<Exclude<ProviderKind, "voyage">, ParameterSupport> = {
  openai: openAiParameterSupport,
  "openai-compatible": openAiCompatibleParameterSupport,
  deepseek: deepSeekParameterSupport,
  anthropic: anthropicParameterSupport,
  google: googleParameterSupport,
  mistral: mistralParameterSupport,
  bedrock: bedrockParameterSupport,
  // The table of the default api-version; `v1` and preview versions forward what it marks unsupported.
  azure: azureOpenAiParameterSupport(defaultAzureOpenAiApiVersion),
  groq: openAiPresetDialects.groq.parameterSupport,
  xai: openAiPresetDialects.xai.parameterSupport,
  openrouter: openAiPresetDialects.openrouter.parameterSupport,
  together: openAiPresetDialects.together.parameterSupport,
  fireworks: openAiPresetDialects.fireworks.parameterSupport,
  ollama: openAiPresetDialects.ollama.parameterSupport,
  vllm: openAiPresetDialects.vllm.parameterSupport,
  lmstudio: openAiPresetDialects.lmstudio.parameterSupport,
  vertex: googleParameterSupport,
  "vertex-anthropic": anthropicParameterSupport,
};
