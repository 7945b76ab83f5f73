import type { ChatParameterName, ParameterSupport } from "../../core/parameter-support.js";
import { openAiParameterSupport } from "./openai-parameter-support.js";

/**
 * Parameters OpenAI takes that the generally available dated versions
 * (2024-10-21 and before) do not define: Azure answers them 400
 * "Unrecognized request argument supplied". Preview versions and `v1` follow
 * OpenAI closely and decide for themselves (a refusal is Azure's 400, returned
 * to the caller naming the argument).
 */
const laterThanDatedGa: ChatParameterName[] = [
  "reasoning_effort",
  "verbosity",
  "prediction",
  "metadata",
  "store",
  "modalities",
  "audio",
  "prompt_cache_key",
  "prompt_cache_retention",
  "safety_identifier",
];

/** What Azure OpenAI does with each parameter, for one configured api-version. */
export function azureOpenAiParameterSupport(apiVersion: string): ParameterSupport {
  const dated = apiVersion !== "v1" && !apiVersion.endsWith("-preview");
  const support: Record<ChatParameterName, ParameterSupport[ChatParameterName]> = {
    ...openAiParameterSupport,
    // Chat Completions on Azure has no web search: grounding is Azure's own (`data_sources`).
    web_search_options: { handling: "unsupported", note: "no web search on Azure's Chat Completions" },
    service_tier: {
      handling: "ignored",
      note: "the deployment's type (Standard, Global, Provisioned) sets it on Azure",
    },
  };
  if (dated) {
    for (const name of laterThanDatedGa) {
      support[name] = {
        handling: "unsupported",
        note: `not in dated api-versions such as ${apiVersion}; set api_version to \`v1\` or a preview version`,
      };
    }
  }
  return support;
}
