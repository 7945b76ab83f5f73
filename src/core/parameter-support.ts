import type { ChatRequest } from "./chat.js";

/**
 * What one provider kind does with each Chat Completions parameter (STYLE.md
 * "What a translation cannot carry"):
 * - `forwarded`: sent as the caller gave it;
 * - `translated`: sent as the provider's equivalent field;
 * - `ignored`: a hint that cannot change what comes back, not sent (documented in the README);
 * - `unsupported`: the provider cannot honour it, so a deployment of this kind is
 *   skipped when the request sets it, and a request no deployment can honour is refused with a 400.
 */
export type ParameterHandling = "forwarded" | "translated" | "ignored" | "unsupported";

export interface ParameterRule {
  handling: ParameterHandling;
  /** How it is translated, or why it is ignored or unsupported (the README shows it). */
  note?: string;
}

/** The request fields whose handling differs between providers, in the README's order. */
export const chatParameterNames = [
  "max_tokens",
  "temperature",
  "top_p",
  "stop",
  "user",
  "tools",
  "tool_choice",
  "response_format",
  "seed",
  "frequency_penalty",
  "presence_penalty",
  "logprobs",
  "top_logprobs",
  "logit_bias",
  "parallel_tool_calls",
  "reasoning_effort",
  "service_tier",
  "verbosity",
  "prediction",
  "metadata",
  "store",
  "n",
  "modalities",
  "audio",
  "web_search_options",
  "prompt_cache_key",
  "prompt_cache_retention",
  "safety_identifier",
  "top_k",
] as const satisfies ReadonlyArray<keyof ChatRequest>;

export type ChatParameterName = (typeof chatParameterNames)[number];

export type ParameterSupport = Readonly<Record<ChatParameterName, ParameterRule>>;

/**
 * Whether a request asks for something with this parameter: values that
 * equal the API's default (`n: 1`, a zero penalty, `parallel_tool_calls:
 * true`, text-only `modalities`) ask for nothing, so clients that always send
 * them are not turned away from providers without the feature.
 */
export function requestSets(request: ChatRequest, name: ChatParameterName): boolean {
  const value = request[name];
  if (value === undefined) return false;
  switch (name) {
    case "n":
      return request.n !== 1;
    case "frequency_penalty":
    case "presence_penalty":
      return value !== 0;
    case "logprobs":
      return value === true;
    case "top_logprobs":
      return value !== 0;
    case "parallel_tool_calls":
      return value === false;
    case "modalities":
      return request.modalities?.includes("audio") === true;
    case "logit_bias":
    case "metadata":
      return Object.keys(value as object).length > 0;
    case "tools":
      return (request.tools?.length ?? 0) > 0;
    default:
      return true;
  }
}

/** The parameters `request` sets that a provider of this support table cannot honour. */
export function unsupportedParameters(request: ChatRequest, support: ParameterSupport): ChatParameterName[] {
  return chatParameterNames.filter(
    (name) => support[name].handling === "unsupported" && requestSets(request, name),
  );
}

/**
 * OpenAI's own service hints, which change cost, latency or storage on OpenAI
 * but not what comes back: every other provider kind ignores them.
 */
export const openAiServiceHintsIgnored = {
  service_tier: { handling: "ignored", note: "OpenAI's processing tiers" },
  verbosity: { handling: "ignored", note: "a length hint" },
  prediction: { handling: "ignored", note: "a latency optimisation; the answer is the same" },
  metadata: { handling: "ignored", note: "OpenAI's stored-completion tags" },
  store: { handling: "ignored", note: "OpenAI's stored completions" },
  safety_identifier: { handling: "ignored", note: "OpenAI's abuse monitoring" },
} as const satisfies Partial<ParameterSupport>;

/** Output only OpenAI produces: audio and hosted web search. */
export const openAiOutputsUnsupported = {
  modalities: { handling: "unsupported", note: "no audio output" },
  audio: { handling: "unsupported" },
  web_search_options: { handling: "unsupported" },
} as const satisfies Partial<ParameterSupport>;
