import type { ChatMessage, ChatRequest } from "../../core/chat.js";
import type { ModelSpec } from "../../core/model-catalog.js";
import { chatParameterNames, type ParameterSupport } from "../../core/parameter-support.js";
import type { OpenAiChatRequestBody } from "./openai-api.js";
import { openAiParameterSupport } from "./openai-parameter-support.js";
import { withSchemaInPrompt } from "./with-schema-in-prompt.js";

export interface OpenAiRequestOptions {
  model: ModelSpec;
  stream: boolean;
  supportsDeveloperRole: boolean;
  /** The dialect's table (default OpenAI's): only `forwarded` parameters beyond the basics are sent. */
  parameterSupport?: ParameterSupport;
  /** `json_schema` becomes `json_object` plus the schema in a system message (DeepSeek). */
  schemaInPrompt?: boolean;
  /** Leave `reasoning_effort` out for models without `usesMaxCompletionTokens` (OpenAI refuses it there). */
  reasoningEffortOnlyForReasoningModels?: boolean;
}

/** Fields the converter writes itself; every other parameter is sent when its table says `forwarded`. */
const convertedFields = new Set<string>([
  "max_tokens",
  "temperature",
  "top_p",
  "stop",
  "tools",
  "tool_choice",
  "response_format",
]);

/**
 * Our request is already OpenAI's; what changes per model and upstream is
 * which token-limit field it takes, which sampling knobs it accepts and
 * whether it knows the `developer` role.
 */
export function convertToOpenAiRequest(
  request: ChatRequest,
  options: OpenAiRequestOptions,
): OpenAiChatRequestBody {
  const { model } = options;
  // Reasoning-era models (o-series, gpt-5) reject `max_tokens` and any
  // temperature/top_p but the default with a 400; dropping them keeps one
  // request valid across a chain that mixes model families.
  const isReasoningModel = model.usesMaxCompletionTokens === true;
  const body: OpenAiChatRequestBody = {
    model: model.providerModelId,
    messages: request.messages.map((message) => convertMessage(message, options.supportsDeveloperRole)),
  };
  if (request.max_tokens !== undefined) {
    if (isReasoningModel) body.max_completion_tokens = request.max_tokens;
    else body.max_tokens = request.max_tokens;
  }
  if (request.temperature !== undefined && !isReasoningModel) body.temperature = request.temperature;
  if (request.top_p !== undefined && !isReasoningModel) body.top_p = request.top_p;
  if (request.stop !== undefined) body.stop = request.stop;
  if (request.tools?.length)
    body.tools = request.tools.map(({ cache_control: _breakpoint, ...tool }) => tool);
  if (request.tool_choice !== undefined) body.tool_choice = request.tool_choice;
  if (request.response_format !== undefined) body.response_format = request.response_format;
  const support = options.parameterSupport ?? openAiParameterSupport;
  for (const name of chatParameterNames) {
    if (convertedFields.has(name) || request[name] === undefined) continue;
    if (name === "reasoning_effort" && options.reasoningEffortOnlyForReasoningModels && !isReasoningModel) {
      continue;
    }
    if (support[name].handling === "forwarded") Object.assign(body, { [name]: request[name] });
  }
  if (options.stream) {
    body.stream = true;
    // Without it OpenAI streams no usage at all and we could not book the call.
    body.stream_options = { include_usage: true };
  }
  return options.schemaInPrompt ? withSchemaInPrompt(body) : body;
}

/**
 * Anthropic's cache breakpoints and Gemini's signatures mean nothing here
 * (OpenAI-family upstreams cache prefixes by themselves), and strict
 * upstreams refuse fields they do not know, so they stay behind; so do
 * thinking blocks and reasoning text sent back (DeepSeek refuses a
 * `reasoning_content` in its input).
 */
function convertMessage(message: ChatMessage, supportsDeveloperRole: boolean): ChatMessage {
  const converted: ChatMessage = {
    role: message.role === "developer" && !supportsDeveloperRole ? "system" : message.role,
    content: Array.isArray(message.content)
      ? message.content.map((part) => {
          if (part.type !== "text" || part.cache_control === undefined) return part;
          const { cache_control: _breakpoint, ...text } = part;
          return text;
        })
      : message.content,
  };
  if (message.name !== undefined) converted.name = message.name;
  if (message.tool_calls?.length) {
    converted.tool_calls = message.tool_calls.map(({ extra_content: _signature, ...call }) => call);
  }
  if (message.tool_call_id !== undefined) converted.tool_call_id = message.tool_call_id;
  return converted;
}
