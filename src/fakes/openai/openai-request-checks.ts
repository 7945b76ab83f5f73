/**
 * The request checks OpenAI makes that the gateway could get wrong by
 * forwarding: an argument it does not know ("Unrecognized request argument
 * supplied: top_k"), `reasoning_effort` for a model that does not reason,
 * a temperature for one that does, `top_logprobs` without `logprobs`, and
 * JSON mode without the word "json" in the messages.
 */
const chatCompletionsFields = new Set([
  "messages",
  "model",
  "audio",
  "frequency_penalty",
  "function_call",
  "functions",
  "logit_bias",
  "logprobs",
  "max_completion_tokens",
  "max_tokens",
  "metadata",
  "modalities",
  "n",
  "parallel_tool_calls",
  "prediction",
  "presence_penalty",
  "prompt_cache_key",
  "prompt_cache_retention",
  "reasoning_effort",
  "response_format",
  "safety_identifier",
  "seed",
  "service_tier",
  "stop",
  "store",
  "stream",
  "stream_options",
  "temperature",
  "tool_choice",
  "tools",
  "top_logprobs",
  "top_p",
  "user",
  "verbosity",
  "web_search_options",
]);

export function openAiRefusalOf(body: Record<string, unknown>): string | undefined {
  const unknown = Object.keys(body).find((field) => !chatCompletionsFields.has(field));
  if (unknown) return `Unrecognized request argument supplied: ${unknown}`;
  const reasons = typeof body.model === "string" && /^(o\d|gpt-5)/.test(body.model);
  if (body.reasoning_effort !== undefined && !reasons) {
    return "Unsupported parameter: 'reasoning_effort' is not supported with this model.";
  }
  if (reasons && body.temperature !== undefined && body.temperature !== 1) {
    return "Unsupported value: 'temperature' does not support this value with this model. Only the default (1) value is supported.";
  }
  if (body.top_logprobs != null && body.logprobs !== true) {
    return "Invalid value for 'top_logprobs': logprobs must be set to true if top_logprobs is specified.";
  }
  return jsonModeRefusal(body);
}

/** OpenAI and DeepSeek both want the word "json" in the prompt for `json_object`. */
export function jsonModeRefusal(body: Record<string, unknown>): string | undefined {
  const format = body.response_format as { type?: unknown } | undefined;
  if (format?.type !== "json_object") return undefined;
  if (/json/i.test(JSON.stringify(body.messages ?? []))) return undefined;
  return "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.";
}
