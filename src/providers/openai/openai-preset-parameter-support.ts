import {
  openAiOutputsUnsupported,
  openAiServiceHintsIgnored,
  type ParameterRule,
  type ParameterSupport,
} from "../../core/parameter-support.js";
import { openAiCompatibleParameterSupport } from "./openai-parameter-support.js";

/*
 * What each preset of the OpenAI-compatible adapter does with a parameter,
 * from the provider's own documentation. A parameter the upstream answers 400
 * to is `unsupported`, so the router skips the deployment instead of failing
 * the call; OpenAI's own service hints are not sent to hosts that refuse or
 * ignore unknown fields.
 */

const forwarded: ParameterRule = { handling: "forwarded" };

/** Hosted servers run none of OpenAI's services, and cache prefixes by themselves where they cache at all. */
const hostedDefaults = {
  ...openAiServiceHintsIgnored,
  ...openAiOutputsUnsupported,
  prompt_cache_key: { handling: "ignored", note: "OpenAI's cache routing hint" },
  prompt_cache_retention: { handling: "ignored", note: "OpenAI's cache retention" },
} as const satisfies Partial<ParameterSupport>;

/**
 * console.groq.com/docs/openai: `logprobs`, `logit_bias`, `top_logprobs` and
 * `n` other than 1 are answered 400, and so is any property Groq does not know
 * ("property 'top_k' is unsupported").
 */
export const groqParameterSupport: ParameterSupport = {
  ...openAiCompatibleParameterSupport,
  ...hostedDefaults,
  frequency_penalty: { handling: "forwarded", note: "accepted; Groq's docs say no model applies it yet" },
  presence_penalty: { handling: "forwarded", note: "accepted; Groq's docs say no model applies it yet" },
  logprobs: { handling: "unsupported", note: "Groq answers 400" },
  top_logprobs: { handling: "unsupported", note: "Groq answers 400" },
  logit_bias: { handling: "unsupported", note: "Groq answers 400" },
  n: { handling: "unsupported", note: "Groq takes n = 1 only" },
  reasoning_effort: { handling: "forwarded", note: "gpt-oss and qwen3 models" },
  top_k: { handling: "unsupported", note: "Groq refuses unknown properties" },
};

/**
 * docs.x.ai: the reasoning models (grok-4…, grok-3-mini, grok-code-fast-1, ids
 * ending `-reasoning`) answer 400 to `stop` and the penalties, grok-3 to
 * `presence_penalty`, grok-4 and grok-4.20 to `reasoning_effort`; the table
 * for one model is `xaiParameterSupportFor`.
 */
export const xaiParameterSupport: ParameterSupport = {
  ...openAiCompatibleParameterSupport,
  ...hostedDefaults,
  stop: {
    handling: "forwarded",
    note: "not to reasoning models, which refuse it: those deployments are skipped",
  },
  frequency_penalty: {
    handling: "forwarded",
    note: "not to reasoning models, which refuse it: those deployments are skipped",
  },
  presence_penalty: {
    handling: "forwarded",
    note: "not to reasoning models or grok-3, which refuse it: those deployments are skipped",
  },
  reasoning_effort: {
    handling: "forwarded",
    note: "to grok-3-mini and grok-4.3 and later; grok-4 and grok-4.20 refuse it: those deployments are skipped",
  },
  top_k: { handling: "unsupported", note: "xAI refuses unknown arguments" },
};

const refusedByThisModel: ParameterRule = { handling: "unsupported", note: "this xAI model refuses it" };

/** The same rules vercel/ai's `getXaiChatModelCapabilities` reads from the model id. */
export function xaiParameterSupportFor(modelId: string): ParameterSupport {
  const reasons =
    !modelId.includes("-non-reasoning") &&
    (modelId.includes("-reasoning") ||
      modelId.startsWith("grok-4") ||
      modelId.startsWith("grok-3-mini") ||
      modelId.startsWith("grok-code-fast"));
  const grok3 = modelId.startsWith("grok-3") && !modelId.startsWith("grok-3-mini");
  const noReasoningEffort =
    /^grok-4\.20(-\d{4})?-(non-)?reasoning$/.test(modelId) ||
    /^grok-4(-0709|-latest)?$/.test(modelId) ||
    /^grok-4(-1)?-fast/.test(modelId);
  return {
    ...xaiParameterSupport,
    ...(reasons
      ? {
          stop: refusedByThisModel,
          frequency_penalty: refusedByThisModel,
          presence_penalty: refusedByThisModel,
        }
      : {}),
    ...(grok3 ? { presence_penalty: refusedByThisModel } : {}),
    ...(noReasoningEffort ? { reasoning_effort: refusedByThisModel } : {}),
  };
}

/** OpenRouter passes each parameter to the provider it routes to and drops what that one lacks. */
export const openRouterParameterSupport: ParameterSupport = {
  ...openAiCompatibleParameterSupport,
  top_k: { handling: "forwarded", note: "to providers that take it" },
};

/** docs.together.ai and docs.fireworks.ai: OpenAI's parameters plus `top_k`. */
export const hostedOpenModelParameterSupport: ParameterSupport = {
  ...openAiCompatibleParameterSupport,
  ...hostedDefaults,
  top_k: forwarded,
};

/**
 * docs.ollama.com/api/openai-compatibility lists the fields Ollama reads; it
 * ignores the rest without an error, so what would change the answer is
 * `unsupported` here rather than silently lost.
 */
export const ollamaParameterSupport: ParameterSupport = {
  ...openAiCompatibleParameterSupport,
  ...hostedDefaults,
  user: { handling: "ignored", note: "not read by Ollama" },
  logit_bias: { handling: "unsupported", note: "not read by Ollama" },
  n: { handling: "unsupported", note: "one answer per request" },
  top_k: { handling: "unsupported", note: "not read by Ollama's OpenAI endpoint" },
};

/** LM Studio's server takes OpenAI's sampling parameters plus `top_k`. */
export const lmStudioParameterSupport: ParameterSupport = {
  ...openAiCompatibleParameterSupport,
  ...hostedDefaults,
  top_k: forwarded,
};
