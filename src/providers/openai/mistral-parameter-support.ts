import {
  openAiOutputsUnsupported,
  openAiServiceHintsIgnored,
  type ParameterRule,
  type ParameterSupport,
} from "../../core/parameter-support.js";

const forwarded: ParameterRule = { handling: "forwarded" };

/**
 * What `POST /v1/chat/completions` of docs.mistral.ai/api takes. Mistral
 * answers 422 (`extra_forbidden`) to any field it does not define, so OpenAI's
 * extras are left out or refused here, never sent.
 */
export const mistralParameterSupport: ParameterSupport = {
  max_tokens: forwarded,
  temperature: forwarded,
  top_p: forwarded,
  stop: forwarded,
  user: { handling: "ignored", note: "not in Mistral's API" },
  tools: forwarded,
  tool_choice: { handling: "forwarded", note: "Mistral's `any` is OpenAI's `required`, which it also takes" },
  response_format: forwarded,
  seed: { handling: "translated", note: "`random_seed`" },
  frequency_penalty: forwarded,
  presence_penalty: forwarded,
  logprobs: { handling: "unsupported", note: "Mistral returns no log probabilities" },
  top_logprobs: { handling: "unsupported", note: "Mistral returns no log probabilities" },
  logit_bias: { handling: "unsupported" },
  parallel_tool_calls: forwarded,
  reasoning_effort: {
    handling: "forwarded",
    note: "to the models that reason (Magistral, Mistral Medium 3.2+)",
  },
  n: forwarded,
  prompt_cache_key: forwarded,
  prompt_cache_retention: { handling: "ignored", note: "OpenAI's cache retention" },
  top_k: { handling: "unsupported" },
  ...openAiServiceHintsIgnored,
  // Mistral's `prediction` takes the same `{type: "content", content}` as OpenAI's.
  prediction: forwarded,
  ...openAiOutputsUnsupported,
};
