/**
 * The gateway's internal chat shape is OpenAI Chat Completions (DESIGN.md):
 * both doors speak it, every adapter translates to and from it. Field names
 * stay snake_case because this *is* the public OpenAI contract.
 */

import type { ChatLogprobs, ChatParameters } from "./chat-parameters.js";

export type ChatRole = "system" | "developer" | "user" | "assistant" | "tool";

export interface TextPart {
  type: "text";
  text: string;
}

export interface ImageUrlPart {
  type: "image_url";
  image_url: { url: string; detail?: "auto" | "low" | "high" };
}

export type ContentPart = TextPart | ImageUrlPart;

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: ChatRole;
  content: string | ContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

export interface FunctionTool {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

export type ToolChoice = "none" | "auto" | "required" | { type: "function"; function: { name: string } };

export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | {
      type: "json_schema";
      json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean };
    };

/** A chat request after validation; `model` is the provider's own model id once routed. */
export interface ChatRequest extends ChatParameters {
  messages: ChatMessage[];
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string | string[];
  tools?: FunctionTool[];
  tool_choice?: ToolChoice;
  response_format?: ResponseFormat;
  user?: string;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call";

/**
 * OpenAI's usage object. `cache_creation_tokens` is our extension for providers
 * that bill prompt-cache writes separately (Anthropic); `prompt_tokens` always
 * counts every input token, cached or not, as OpenAI does.
 */
export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_creation_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
}

export interface ChatCompletionMessage {
  role: "assistant";
  content: string | null;
  tool_calls?: ToolCall[];
  /** DeepSeek's reasoning text, passed through where a provider sends it. */
  reasoning_content?: string;
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: ChatCompletionMessage;
    finish_reason: FinishReason | null;
    logprobs?: ChatLogprobs | null;
  }>;
  usage?: ChatUsage;
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: {
      role?: "assistant";
      content?: string | null;
      tool_calls?: ToolCallDelta[];
      reasoning_content?: string;
    };
    finish_reason: FinishReason | null;
    logprobs?: ChatLogprobs | null;
  }>;
  usage?: ChatUsage | null;
}
