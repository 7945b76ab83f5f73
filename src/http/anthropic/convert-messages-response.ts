import type { ChatCompletion, ChatUsage, FinishReason, ToolCall } from "../../core/chat.js";

export type AnthropicStopReason = "end_turn" | "max_tokens" | "tool_use" | "refusal";

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export type AnthropicResponseBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: unknown };

export interface AnthropicMessageBody {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: AnthropicResponseBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: null;
  usage: AnthropicUsage;
}

/**
 * The routed answer as an Anthropic Message. `model` is the catalog model that
 * answered (as on the other doors), not the id the client sent: after a
 * failover it says who really answered. Which stop sequence matched is not
 * carried by the internal shape, so a stop is `end_turn`.
 */
export function convertMessagesResponse(completion: ChatCompletion, id: string): AnthropicMessageBody {
  const choice = completion.choices[0];
  const content: AnthropicResponseBlock[] = [];
  if (choice?.message.content) content.push({ type: "text", text: choice.message.content });
  for (const call of choice?.message.tool_calls ?? []) content.push(convertToolCall(call));
  return {
    id,
    type: "message",
    role: "assistant",
    model: completion.model,
    content,
    stop_reason: mapFinishReason(choice?.finish_reason ?? null),
    stop_sequence: null,
    usage: convertUsage(completion.usage),
  };
}

/** Anthropic's `input_tokens` excludes cache reads and writes; the internal `prompt_tokens` counts all. */
export function convertUsage(usage: ChatUsage | undefined): AnthropicUsage {
  const cacheRead = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  const cacheWrite = usage?.prompt_tokens_details?.cache_creation_tokens ?? 0;
  return {
    input_tokens: Math.max(0, (usage?.prompt_tokens ?? 0) - cacheRead - cacheWrite),
    output_tokens: usage?.completion_tokens ?? 0,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
}

export function mapFinishReason(reason: FinishReason | null): AnthropicStopReason | null {
  switch (reason) {
    case null:
      return null;
    case "length":
      return "max_tokens";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "content_filter":
      return "refusal";
    default:
      return "end_turn";
  }
}

/** Arguments that are not a JSON object (a provider's malformed call) are kept as a string under `raw`. */
export function parseToolInput(argumentsJson: string): unknown {
  if (argumentsJson.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(argumentsJson);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? parsed
      : { raw: argumentsJson };
  } catch {
    return { raw: argumentsJson };
  }
}

function convertToolCall(call: ToolCall): AnthropicResponseBlock {
  return {
    type: "tool_use",
    id: call.id,
    name: call.function.name,
    input: parseToolInput(call.function.arguments),
  };
}
