import {
  openAiOutputsUnsupported,
  openAiServiceHintsIgnored,
  type ParameterSupport,
} from "../../core/parameter-support.js";

/** How the Messages API takes each Chat Completions parameter (docs.claude.com/en/api/messages). */
export const anthropicParameterSupport: ParameterSupport = {
  max_tokens: {
    handling: "translated",
    note: "required by Anthropic: the model's max output when not given; the thinking budget is added to it",
  },
  temperature: { handling: "translated", note: "clamped to Anthropic's 0-1; not sent with thinking" },
  top_p: { handling: "translated", note: "not sent with temperature or thinking, which Claude refuses" },
  stop: { handling: "translated", note: "`stop_sequences`" },
  user: { handling: "translated", note: "`metadata.user_id`" },
  tools: { handling: "translated", note: "`tools` with `input_schema`" },
  tool_choice: { handling: "translated", note: "auto/none/any/tool" },
  response_format: { handling: "translated", note: "a forced `json_response` tool" },
  seed: { handling: "ignored", note: "no seed on Anthropic; OpenAI's own is best effort" },
  frequency_penalty: { handling: "unsupported" },
  presence_penalty: { handling: "unsupported" },
  logprobs: { handling: "unsupported" },
  top_logprobs: { handling: "unsupported" },
  logit_bias: { handling: "unsupported" },
  parallel_tool_calls: {
    handling: "translated",
    note: "`false` -> `tool_choice.disable_parallel_tool_use`",
  },
  reasoning_effort: {
    handling: "translated",
    note: "extended thinking: minimal/low 1024, medium 8192, high 24576, xhigh 32768 budget tokens; none: off; a 400 with a forced tool_choice or a JSON response_format, which Claude refuses with thinking",
  },
  n: { handling: "unsupported", note: "one answer per request" },
  prompt_cache_key: { handling: "ignored", note: "OpenAI's cache routing hint" },
  prompt_cache_retention: { handling: "ignored", note: "OpenAI's cache lifetime" },
  top_k: { handling: "forwarded", note: "not sent with thinking" },
  ...openAiServiceHintsIgnored,
  ...openAiOutputsUnsupported,
};
