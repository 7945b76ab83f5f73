import type { ChatRequest, ToolChoice } from "../../core/chat.js";
import type { ModelSpec } from "../../core/model-catalog.js";
import type { AnthropicRequestBody, AnthropicTool, AnthropicToolChoice } from "./anthropic-api.js";
import {
  type AutoCacheBreakpoints,
  addAutoCacheBreakpoints,
  checkAnthropicCacheBreakpoints,
} from "./anthropic-cache-breakpoints.js";
import { createAnthropicRequestError } from "./anthropic-error.js";
import { anthropicJsonToolName, createAnthropicJsonTool } from "./anthropic-json-response.js";
import { convertAnthropicThinking } from "./convert-anthropic-thinking.js";
import { convertToAnthropicMessages } from "./convert-to-anthropic-messages.js";

/** An OpenAI chat request -> the Messages API body for `model`. */
export function convertToAnthropicRequest(
  provider: string,
  model: ModelSpec,
  request: ChatRequest,
  autoCacheBreakpoints?: AutoCacheBreakpoints,
): AnthropicRequestBody {
  const { system, messages } = convertToAnthropicMessages(provider, request.messages, {
    midConversationSystemMessages: model.midConversationSystemMessages === true,
  });
  const body: AnthropicRequestBody = {
    model: model.providerModelId,
    // Required by Anthropic, optional for OpenAI callers: the catalog's ceiling.
    max_tokens: request.max_tokens ?? model.maxOutputTokens,
    messages,
  };
  if (system) body.system = system;
  if (request.stop !== undefined) {
    body.stop_sequences = typeof request.stop === "string" ? [request.stop] : request.stop;
  }
  // OpenAI's temperature runs 0-2, Anthropic's 0-1: a request valid at the
  // OpenAI door must not fail on the first model of its group.
  if (request.temperature !== undefined) body.temperature = Math.min(request.temperature, 1);
  // Claude 4.5-era models reject temperature and top_p together ("cannot both
  // be specified for this model"); temperature wins, as in Portkey.
  if (request.top_p !== undefined && request.temperature === undefined) body.top_p = request.top_p;
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  if (request.top_k !== undefined) body.top_k = request.top_k;
  Object.assign(body, convertTools(provider, request));
  if (request.parallel_tool_calls === false && body.tools?.length) {
    body.tool_choice = { ...(body.tool_choice ?? { type: "auto" }), disable_parallel_tool_use: true };
  }
  // An explicit `thinking` names its budget and goes as given; reasoning_effort is translated.
  if (request.thinking !== undefined) {
    body.thinking = { ...request.thinking };
  } else {
    const thinking = convertAnthropicThinking(provider, model, request.reasoning_effort, request.max_tokens);
    if (thinking) enableThinking(provider, body, thinking.thinking, thinking.maxTokens);
  }
  if (autoCacheBreakpoints) addAutoCacheBreakpoints(body, autoCacheBreakpoints);
  checkAnthropicCacheBreakpoints(provider, body);
  return body;
}

/**
 * With thinking on, Claude refuses a set temperature, top_k and a top_p
 * below 0.95, and a forced tool choice (which a JSON response_format is);
 * the sampling fields are left out, a forced tool is refused with a 400.
 */
function enableThinking(
  provider: string,
  body: AnthropicRequestBody,
  thinking: NonNullable<AnthropicRequestBody["thinking"]>,
  maxTokens: number,
): void {
  const forced = body.tool_choice?.type === "any" || body.tool_choice?.type === "tool";
  if (forced) {
    throw createAnthropicRequestError(
      provider,
      "reasoning_effort (extended thinking) cannot be combined with a forced tool_choice or a JSON response_format",
    );
  }
  body.thinking = thinking;
  body.max_tokens = maxTokens;
  delete body.temperature;
  delete body.top_p;
  delete body.top_k;
}

function convertTools(
  provider: string,
  request: ChatRequest,
): Pick<AnthropicRequestBody, "tools" | "tool_choice"> {
  const tools: AnthropicTool[] = (request.tools ?? []).map((tool) => ({
    name: tool.function.name,
    ...(tool.function.description ? { description: tool.function.description } : {}),
    input_schema: tool.function.parameters ?? { type: "object", properties: {} },
    ...(tool.cache_control ? { cache_control: { ...tool.cache_control } } : {}),
  }));
  const jsonTool = createAnthropicJsonTool(request.response_format);
  if (jsonTool) {
    if (tools.some((tool) => tool.name === anthropicJsonToolName)) {
      throw createAnthropicRequestError(
        provider,
        `a tool named "${anthropicJsonToolName}" cannot be combined with a JSON response_format`,
      );
    }
    return {
      tools: [...tools, jsonTool],
      tool_choice: jsonToolChoice(tools.length > 0, request.tool_choice),
    };
  }
  if (tools.length === 0) return {};
  return request.tool_choice === undefined
    ? { tools }
    : { tools, tool_choice: convertToolChoice(request.tool_choice) };
}

function convertToolChoice(choice: ToolChoice): AnthropicToolChoice {
  if (typeof choice === "object") return { type: "tool", name: choice.function.name };
  if (choice === "required") return { type: "any" };
  return { type: choice };
}

/**
 * With a JSON response_format the answer must be a tool call: the JSON tool
 * itself, or with the caller's tools on offer, any of them (`any`), unless the
 * caller named one or said `none`.
 */
function jsonToolChoice(hasCallerTools: boolean, choice: ToolChoice | undefined): AnthropicToolChoice {
  if (typeof choice === "object") return convertToolChoice(choice);
  if (!hasCallerTools || choice === "none") return { type: "tool", name: anthropicJsonToolName };
  return { type: "any" };
}
