import type { ResponseFormat } from "../../core/chat.js";
import type { AnthropicTool } from "./anthropic-api.js";

/**
 * Anthropic has no JSON mode. `response_format` json_object / json_schema is
 * served with a tool the model is made to call (tool_choice `tool`, or `any`
 * when the caller's own tools are offered too): its `input_schema` is the
 * requested schema, and the input Claude writes for it is returned as the
 * message content, with finish_reason `stop`, as OpenAI would return JSON text.
 * This is the approach Anthropic documents for JSON output
 * (https://docs.claude.com/en/docs/test-and-evaluate/strengthen-guardrails/increase-consistency)
 * and works on every Claude model, unlike the newer `output_format`.
 */
export const anthropicJsonToolName = "json_response";

/** The forced tool for a JSON `response_format`, or undefined for text. */
export function createAnthropicJsonTool(format: ResponseFormat | undefined): AnthropicTool | undefined {
  if (format === undefined || format.type === "text") return undefined;
  const schema = format.type === "json_schema" ? format.json_schema : undefined;
  return {
    name: anthropicJsonToolName,
    description: [
      "Give your final answer by calling this tool: its input is the JSON answer.",
      schema?.description,
    ]
      .filter(Boolean)
      .join(" "),
    // Tool inputs must be objects; json_object asks for exactly that.
    input_schema: schema?.schema ?? { type: "object" },
  };
}
