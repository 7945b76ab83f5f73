import {
  openAiOutputsUnsupported,
  openAiServiceHintsIgnored,
  type ParameterRule,
  type ParameterSupport,
} from "../../core/parameter-support.js";

const forwarded: ParameterRule = { handling: "forwarded" };

/** OpenAI itself takes every Chat Completions parameter (platform.openai.com/docs/api-reference/chat/create). */
export const openAiParameterSupport: ParameterSupport = {
  max_tokens: {
    handling: "translated",
    note: "`max_completion_tokens` for reasoning models (o-series), which refuse `max_tokens`",
  },
  temperature: { handling: "forwarded", note: "not sent to reasoning models, which refuse it" },
  top_p: { handling: "forwarded", note: "not sent to reasoning models, which refuse it" },
  stop: forwarded,
  user: forwarded,
  tools: forwarded,
  tool_choice: forwarded,
  response_format: forwarded,
  seed: forwarded,
  frequency_penalty: forwarded,
  presence_penalty: forwarded,
  logprobs: forwarded,
  top_logprobs: forwarded,
  logit_bias: forwarded,
  parallel_tool_calls: forwarded,
  reasoning_effort: {
    handling: "forwarded",
    note: "to reasoning models (o-series); not sent to others, which refuse it",
  },
  service_tier: forwarded,
  verbosity: forwarded,
  prediction: forwarded,
  metadata: forwarded,
  store: forwarded,
  n: { handling: "forwarded", note: "n > 1 without `stream` only" },
  modalities: forwarded,
  audio: forwarded,
  web_search_options: forwarded,
  prompt_cache_key: forwarded,
  prompt_cache_retention: forwarded,
  safety_identifier: forwarded,
  top_k: { handling: "unsupported", note: "OpenAI refuses unknown arguments" },
};

/** vLLM, Ollama, OpenRouter: everything goes through, and the server decides (vLLM takes `top_k`). */
export const openAiCompatibleParameterSupport: ParameterSupport = {
  ...openAiParameterSupport,
  max_tokens: forwarded,
  temperature: forwarded,
  top_p: forwarded,
  reasoning_effort: forwarded,
  n: openAiParameterSupport.n,
  top_k: { handling: "forwarded", note: "an extension vLLM and Ollama take" },
};

/** What api-docs.deepseek.com/api/create-chat-completion documents; the rest it cannot honour or has no use for. */
export const deepSeekParameterSupport: ParameterSupport = {
  max_tokens: forwarded,
  temperature: forwarded,
  top_p: forwarded,
  stop: forwarded,
  user: { handling: "ignored", note: "not in DeepSeek's API" },
  tools: forwarded,
  tool_choice: forwarded,
  response_format: {
    handling: "translated",
    note: "json_schema -> `json_object` + the schema in a system message; the answer is checked against it",
  },
  seed: { handling: "ignored", note: "no seed on DeepSeek; OpenAI's own is best effort" },
  frequency_penalty: forwarded,
  presence_penalty: forwarded,
  logprobs: forwarded,
  top_logprobs: forwarded,
  logit_bias: { handling: "unsupported" },
  parallel_tool_calls: { handling: "unsupported", note: "DeepSeek cannot be held to one call" },
  reasoning_effort: {
    handling: "ignored",
    note: "deepseek-chat does not think and deepseek-reasoner always does",
  },
  n: { handling: "unsupported", note: "one answer per request" },
  prompt_cache_key: { handling: "ignored", note: "DeepSeek caches prefixes by itself" },
  prompt_cache_retention: { handling: "ignored", note: "DeepSeek caches prefixes by itself" },
  top_k: { handling: "unsupported" },
  ...openAiServiceHintsIgnored,
  ...openAiOutputsUnsupported,
};
