import {
  openAiOutputsUnsupported,
  openAiServiceHintsIgnored,
  type ParameterSupport,
} from "../../core/parameter-support.js";

/** How Gemini's generateContent takes each Chat Completions parameter (ai.google.dev/api/generate-content). */
export const googleParameterSupport: ParameterSupport = {
  max_tokens: { handling: "translated", note: "`generationConfig.maxOutputTokens`" },
  temperature: { handling: "translated", note: "`generationConfig.temperature`" },
  top_p: { handling: "translated", note: "`generationConfig.topP`" },
  stop: { handling: "translated", note: "`generationConfig.stopSequences`" },
  user: { handling: "ignored", note: "no end-user field on Gemini" },
  tools: { handling: "translated", note: "`functionDeclarations`" },
  tool_choice: { handling: "translated", note: "`toolConfig.functionCallingConfig`" },
  response_format: { handling: "translated", note: "`responseMimeType` + `responseJsonSchema`" },
  seed: { handling: "translated", note: "`generationConfig.seed`" },
  frequency_penalty: { handling: "translated", note: "`generationConfig.frequencyPenalty`" },
  presence_penalty: { handling: "translated", note: "`generationConfig.presencePenalty`" },
  logprobs: {
    handling: "translated",
    note: "`generationConfig.responseLogprobs`; `logprobsResult` comes back as `logprobs`",
  },
  top_logprobs: { handling: "translated", note: "`generationConfig.logprobs`" },
  logit_bias: { handling: "unsupported" },
  parallel_tool_calls: { handling: "unsupported", note: "Gemini cannot be held to one call" },
  reasoning_effort: {
    handling: "translated",
    note: "`thinkingConfig.thinkingBudget`: none 0, minimal/low 1024, medium 8192, high 24576, xhigh 32768",
  },
  n: { handling: "unsupported", note: "one candidate per request" },
  prompt_cache_key: { handling: "ignored", note: "OpenAI's cache routing hint" },
  prompt_cache_retention: { handling: "ignored", note: "OpenAI's cache lifetime" },
  top_k: { handling: "translated", note: "`generationConfig.topK`" },
  ...openAiServiceHintsIgnored,
  ...openAiOutputsUnsupported,
};
