import type { ChatRequest, ResponseFormat, ToolChoice } from "../../core/chat.js";
import type { ReasoningEffort } from "../../core/chat-parameters.js";
import { convertToGoogleMessages } from "./convert-to-google-messages.js";
import type { GoogleGenerateContentRequest, GoogleGenerationConfig } from "./google-api.js";

/** A chat request as the body of `generateContent` / `streamGenerateContent`. */
export function convertToGoogleRequest(
  request: ChatRequest,
  options: { provider: string; modelId: string },
): GoogleGenerateContentRequest {
  const body: GoogleGenerateContentRequest = convertToGoogleMessages(request.messages, {
    provider: options.provider,
    signFunctionCalls: needsThoughtSignatures(options.modelId),
  });
  const generationConfig = convertGenerationConfig(request);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  if (request.tools && request.tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: request.tools.map(({ function: tool }) => ({
          name: tool.name,
          ...(tool.description ? { description: tool.description } : {}),
          // Gemini takes plain JSON Schema here, no conversion to its OpenAPI subset needed.
          ...(tool.parameters ? { parametersJsonSchema: tool.parameters } : {}),
        })),
      },
    ];
    if (request.tool_choice)
      body.toolConfig = { functionCallingConfig: convertToolChoice(request.tool_choice) };
  }
  return body;
}

function convertGenerationConfig(request: ChatRequest): GoogleGenerationConfig {
  const config: GoogleGenerationConfig = {};
  if (request.max_tokens !== undefined) config.maxOutputTokens = request.max_tokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.top_p !== undefined) config.topP = request.top_p;
  if (request.stop !== undefined)
    config.stopSequences = typeof request.stop === "string" ? [request.stop] : request.stop;
  if (request.seed !== undefined) config.seed = request.seed;
  if (request.presence_penalty !== undefined) config.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty !== undefined) config.frequencyPenalty = request.frequency_penalty;
  if (request.top_k !== undefined) config.topK = request.top_k;
  if (request.logprobs) config.responseLogprobs = true;
  if (request.logprobs && request.top_logprobs !== undefined) config.logprobs = request.top_logprobs;
  // Anthropic's thinking switch asks for visible reasoning: Gemini's thought summaries, same budget.
  // It names the budget itself, so it wins over reasoning_effort.
  if (request.thinking?.type === "enabled") {
    config.thinkingConfig = { thinkingBudget: request.thinking.budget_tokens, includeThoughts: true };
  } else if (request.reasoning_effort !== undefined) {
    config.thinkingConfig = { thinkingBudget: googleThinkingBudgets[request.reasoning_effort] };
  }
  return { ...config, ...convertResponseFormat(request.response_format) };
}

/** Gemini's own OpenAI-compatible mapping of reasoning_effort (ai.google.dev/gemini-api/docs/openai#thinking). */
const googleThinkingBudgets: Record<ReasoningEffort, number> = {
  none: 0,
  minimal: 1024,
  low: 1024,
  medium: 8192,
  high: 24_576,
  xhigh: 32_768,
};

/**
 * JSON mode is a MIME type; a JSON schema goes in `responseJsonSchema`,
 * which takes JSON Schema as is (unlike `responseSchema`, an OpenAPI subset).
 */
function convertResponseFormat(format: ResponseFormat | undefined): GoogleGenerationConfig {
  switch (format?.type) {
    case "json_object":
      return { responseMimeType: "application/json" };
    case "json_schema":
      return format.json_schema.schema
        ? { responseMimeType: "application/json", responseJsonSchema: format.json_schema.schema }
        : { responseMimeType: "application/json" };
    default:
      return {};
  }
}

function convertToolChoice(
  choice: ToolChoice,
): NonNullable<GoogleGenerateContentRequest["toolConfig"]>["functionCallingConfig"] {
  if (choice === "none") return { mode: "NONE" };
  if (choice === "auto") return { mode: "AUTO" };
  if (choice === "required") return { mode: "ANY" };
  return { mode: "ANY", allowedFunctionNames: [choice.function.name] };
}

/** Gemini 3 and later validate thought signatures on replayed function calls; 2.x does not. */
export function needsThoughtSignatures(modelId: string): boolean {
  const major = /gemini-(\d+)/.exec(modelId)?.[1];
  return major !== undefined && Number(major) >= 3;
}
