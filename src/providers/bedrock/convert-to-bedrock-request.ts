import type { ChatRequest, ResponseFormat, ToolChoice } from "../../core/chat.js";
import type { ModelSpec } from "../../core/model-catalog.js";
import { claudeThinkingBudget } from "../shared/claude-thinking-budget.js";
import type { BedrockConverseRequestBody, BedrockTool, BedrockToolChoice } from "./bedrock-api.js";
import { addBedrockAutoCachePoints, checkBedrockCachePoints } from "./bedrock-cache-points.js";
import { createBedrockRequestError } from "./bedrock-error.js";
import { isClaudeOnBedrock } from "./bedrock-parameter-support.js";
import { convertToBedrockMessages } from "./convert-to-bedrock-messages.js";

/** The forced tool a JSON `response_format` becomes; its input is the answer. */
export const bedrockJsonToolName = "json_response";

/** An OpenAI chat request -> the Converse body for `model` (its id goes in the URL). */
export function convertToBedrockRequest(
  provider: string,
  model: ModelSpec,
  request: ChatRequest,
  autoCacheBreakpoints?: { minPromptTokens: number },
): BedrockConverseRequestBody {
  const claude = isClaudeOnBedrock(model);
  const { system, messages, usesTools } = convertToBedrockMessages(provider, request.messages);
  if (messages.length === 0) {
    throw createBedrockRequestError(provider, "messages must hold at least one user or assistant message");
  }
  const body: BedrockConverseRequestBody = { messages };
  if (system) body.system = system;

  const inferenceConfig: NonNullable<BedrockConverseRequestBody["inferenceConfig"]> = {};
  const maxTokens = request.max_tokens ?? (model.maxOutputTokens > 0 ? model.maxOutputTokens : undefined);
  if (maxTokens !== undefined) inferenceConfig.maxTokens = maxTokens;
  // OpenAI's temperature runs 0-2, Converse's 0-1.
  if (request.temperature !== undefined) inferenceConfig.temperature = Math.min(request.temperature, 1);
  // Claude 4.5-era models refuse temperature and top_p together; temperature wins, as at Anthropic.
  if (request.top_p !== undefined && !(claude && request.temperature !== undefined)) {
    inferenceConfig.topP = request.top_p;
  }
  if (request.stop !== undefined) {
    inferenceConfig.stopSequences = typeof request.stop === "string" ? [request.stop] : request.stop;
  }
  if (Object.keys(inferenceConfig).length > 0) body.inferenceConfig = inferenceConfig;

  const additional: Record<string, unknown> = {};
  if (request.top_k !== undefined) additional.top_k = request.top_k;
  const toolConfig = convertTools(provider, request, usesTools);
  if (toolConfig) body.toolConfig = toolConfig;
  const thinking = claude ? convertThinking(provider, model, request) : undefined;
  if (thinking) {
    if (toolConfig?.toolChoice && !("auto" in toolConfig.toolChoice)) {
      throw createBedrockRequestError(
        provider,
        "reasoning_effort (extended thinking) cannot be combined with a forced tool_choice or a JSON response_format",
      );
    }
    additional.thinking = thinking.thinking;
    if (thinking.maxTokens !== undefined)
      body.inferenceConfig = { ...body.inferenceConfig, maxTokens: thinking.maxTokens };
    // Claude with thinking refuses a set temperature, top_p and top_k.
    delete body.inferenceConfig?.temperature;
    delete body.inferenceConfig?.topP;
    delete additional.top_k;
  }
  if (Object.keys(additional).length > 0) body.additionalModelRequestFields = additional;
  // Cache checkpoints are Claude's and Nova's on Bedrock; other models refuse them.
  if (autoCacheBreakpoints && (claude || /(^|[.:/])amazon\.nova/.test(model.providerModelId))) {
    addBedrockAutoCachePoints(body, autoCacheBreakpoints.minPromptTokens);
  }
  checkBedrockCachePoints(provider, body);
  return body;
}

function convertThinking(
  provider: string,
  model: ModelSpec,
  request: ChatRequest,
): { thinking: Record<string, unknown>; maxTokens?: number } | undefined {
  if (request.thinking !== undefined) {
    return request.thinking.type === "enabled" ? { thinking: { ...request.thinking } } : undefined;
  }
  const effort = request.reasoning_effort;
  if (effort === undefined || effort === "none") return undefined;
  const budget = claudeThinkingBudget(model, effort, request.max_tokens);
  if ("refusal" in budget) throw createBedrockRequestError(provider, budget.refusal);
  return { thinking: { type: "enabled", budget_tokens: budget.budgetTokens }, maxTokens: budget.maxTokens };
}

function convertTools(
  provider: string,
  request: ChatRequest,
  usesTools: boolean,
): BedrockConverseRequestBody["toolConfig"] {
  const tools: BedrockTool[] = (request.tools ?? []).flatMap((tool): BedrockTool[] => {
    const spec: BedrockTool = {
      toolSpec: {
        name: tool.function.name,
        ...(tool.function.description ? { description: tool.function.description } : {}),
        inputSchema: { json: tool.function.parameters ?? { type: "object", properties: {} } },
      },
    };
    return tool.cache_control ? [spec, { cachePoint: { type: "default" } }] : [spec];
  });
  const jsonTool = createJsonTool(request.response_format);
  if (jsonTool) {
    if (tools.some((tool) => "toolSpec" in tool && tool.toolSpec.name === bedrockJsonToolName)) {
      throw createBedrockRequestError(
        provider,
        `a tool named "${bedrockJsonToolName}" cannot be combined with a JSON response_format`,
      );
    }
    const choice = request.tool_choice;
    const toolChoice: BedrockToolChoice =
      typeof choice === "object"
        ? { tool: { name: choice.function.name } }
        : tools.length === 0 || choice === "none"
          ? { tool: { name: bedrockJsonToolName } }
          : { any: {} };
    return { tools: [...tools, jsonTool], toolChoice };
  }
  if (tools.length === 0) return undefined;
  // Converse has no "none": the tools are not offered, unless the conversation
  // already holds tool calls, which Converse accepts only with `toolConfig`.
  if (request.tool_choice === "none") return usesTools ? { tools } : undefined;
  return request.tool_choice === undefined
    ? { tools }
    : { tools, toolChoice: convertToolChoice(request.tool_choice) };
}

function convertToolChoice(choice: Exclude<ToolChoice, "none">): BedrockToolChoice {
  if (typeof choice === "object") return { tool: { name: choice.function.name } };
  return choice === "required" ? { any: {} } : { auto: {} };
}

function createJsonTool(format: ResponseFormat | undefined): BedrockTool | undefined {
  if (format === undefined || format.type === "text") return undefined;
  const schema =
    format.type === "json_schema" && format.json_schema.schema
      ? format.json_schema.schema
      : { type: "object", additionalProperties: true };
  return {
    toolSpec: {
      name: bedrockJsonToolName,
      description: "Answer with JSON: the tool's input is the whole answer.",
      inputSchema: { json: schema },
    },
  };
}
