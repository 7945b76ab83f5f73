import type { ModelSpec } from "../../core/model-catalog.js";
import {
  openAiOutputsUnsupported,
  openAiServiceHintsIgnored,
  type ParameterSupport,
} from "../../core/parameter-support.js";

/**
 * How Bedrock's Converse API takes each Chat Completions parameter
 * (docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html).
 * Converse names what every model shares; the rest goes in
 * `additionalModelRequestFields` under the model's own name.
 */
export const bedrockParameterSupport: ParameterSupport = {
  max_tokens: {
    handling: "translated",
    note: "`inferenceConfig.maxTokens`; the model's max output when not given",
  },
  temperature: { handling: "translated", note: "`inferenceConfig.temperature`, clamped to 0-1" },
  top_p: {
    handling: "translated",
    note: "`inferenceConfig.topP`; not sent with temperature to Claude, which refuses both",
  },
  stop: { handling: "translated", note: "`inferenceConfig.stopSequences`" },
  user: { handling: "ignored", note: "no end-user field in Converse" },
  tools: { handling: "translated", note: "`toolConfig.tools[].toolSpec`" },
  tool_choice: {
    handling: "translated",
    note: "`toolConfig.toolChoice` auto/any/tool; none: tools not offered",
  },
  response_format: { handling: "translated", note: "a forced `json_response` tool" },
  seed: { handling: "ignored", note: "no seed in Converse" },
  frequency_penalty: { handling: "unsupported" },
  presence_penalty: { handling: "unsupported" },
  logprobs: { handling: "unsupported" },
  top_logprobs: { handling: "unsupported" },
  logit_bias: { handling: "unsupported" },
  parallel_tool_calls: { handling: "unsupported", note: "Converse cannot hold a model to one call" },
  reasoning_effort: {
    handling: "translated",
    note: "Claude models: `additionalModelRequestFields.thinking`, minimal/low 1024, medium 8192, high 24576, xhigh 32768 budget tokens; none: off. Other models: unsupported",
  },
  n: { handling: "unsupported", note: "one answer per request" },
  prompt_cache_key: { handling: "ignored", note: "OpenAI's cache routing hint" },
  prompt_cache_retention: { handling: "ignored", note: "OpenAI's cache lifetime" },
  top_k: { handling: "translated", note: "`additionalModelRequestFields.top_k`; not sent with thinking" },
  ...openAiServiceHintsIgnored,
  ...openAiOutputsUnsupported,
};

/** Extended thinking is Claude's: other models on Bedrock have no such field. */
const otherModelsParameterSupport: ParameterSupport = {
  ...bedrockParameterSupport,
  reasoning_effort: { handling: "unsupported", note: "extended thinking is Claude's on Bedrock" },
};

/** Anthropic's models on Bedrock (`anthropic.claude-…`, `us.anthropic.claude-…`, an ARN naming one). */
export function isClaudeOnBedrock(model: ModelSpec): boolean {
  return /(^|[.:/])anthropic\.claude/.test(model.providerModelId);
}

/** The table for one model: only Claude models take extended thinking. */
export function bedrockParameterSupportFor(model: ModelSpec): ParameterSupport {
  return isClaudeOnBedrock(model) ? bedrockParameterSupport : otherModelsParameterSupport;
}
