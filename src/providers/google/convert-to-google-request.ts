import type { ChatRequest, ResponseFormat, ToolChoice } from "../../core/chat.js";
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
  // Anthropic's thinking switch asks for visible reasoning: Gemini's thought summaries, same budget.
  if (request.thinking?.type === "enabled") {
    config.thinkingConfig = { thinkingBudget: request.thinking.budget_tokens, includeThoughts: true };
  }
  return { ...config, ...convertResponseFormat(request.response_format) };
}

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
