/**
 * The gateway's internal chat shape is OpenAI Chat Completions (DESIGN.md):
 * both doors speak it, every adapter translates to and from it. Field names
 * stay snake_case because this *is* the public OpenAI contract.
 */

import type { ChatLogprobs, ChatParameters } from "./chat-parameters.js";

export type ChatRole = "system" | "developer" | "user" | "assistant" | "tool";

/**
 * Anthropic's prompt-cache breakpoint, as LiteLLM and OpenRouter accept it in
 * the OpenAI shape: the prompt up to and including the marked part (or
 * message, or tool) is cached, for 5 minutes unless `ttl` says `1h`.
 */
export interface CacheControl {
  type: "ephemeral";
  ttl?: "5m" | "1h";
}

export interface TextPart {
  type: "text";
  text: string;
  cache_control?: CacheControl;
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
  /**
   * Gemini's thought signature for this call, where Google's own OpenAI
   * compatibility layer puts it; a caller sends the tool call back unchanged
   * and the signature returns to Gemini with it.
   */
  extra_content?: ToolCallExtraContent;
}

export interface ToolCallExtraContent {
  google?: { thought_signature?: string };
}

/**
 * Anthropic's thinking blocks as LiteLLM returns them: opaque to the caller,
 * who sends them back on the assistant message so a tool-use conversation
 * with thinking on can continue (Anthropic verifies the signature).
 */
export type ThinkingBlock =
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "redacted_thinking"; data: string };

export interface ChatMessage {
  role: ChatRole;
  content: string | ContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  /** On a system message: a cache breakpoint after its whole text. */
  cache_control?: CacheControl;
  /** On an assistant message: what an earlier answer returned, sent back. */
  thinking_blocks?: ThinkingBlock[];
  reasoning_content?: string;
}

export interface FunctionTool {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
  cache_control?: CacheControl;
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
  /** Anthropic's extended-thinking switch, passed as LiteLLM passes it; other providers ignore it. */
  thinking?: { type: "enabled"; budget_tokens: number } | { type: "disabled" };
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
  prompt_tokens_details?: {
    cached_tokens?: number;
    cache_creation_tokens?: number;
    /** Anthropic's split of the cache writes by TTL, priced apart (1h writes cost more). */
    cache_creation_token_details?: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  };
  completion_tokens_details?: { reasoning_tokens?: number };
}

export interface ChatCompletionMessage {
  role: "assistant";
  content: string | null;
  tool_calls?: ToolCall[];
  /** The model's reasoning (DeepSeek reasoning, Anthropic thinking, Gemini thoughts) where a provider returns it. */
  reasoning_content?: string;
  thinking_blocks?: ThinkingBlock[];
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
  extra_content?: ToolCallExtraContent;
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
      /** Each block whole, once it is complete (its signature comes last). */
      thinking_blocks?: ThinkingBlock[];
    };
    finish_reason: FinishReason | null;
    logprobs?: ChatLogprobs | null;
  }>;
  usage?: ChatUsage | null;
}
