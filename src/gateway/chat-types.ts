import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatRequest,
  FinishReason,
  ToolCall,
} from "../core/chat.js";
import type { NativeRequest, NativeStreamPart } from "../core/provider-adapter.js";
import type { Attempt } from "../routing/attempt.js";
import type { CallProgress } from "./call-progress.js";
import type { CacheDirectives } from "./response-cache.js";

/** A chat call as both doors hand it over: the OpenAI request plus where to route it. */
export interface ChatInput extends ChatRequest {
  modelGroup?: string;
  model?: string;
  fallbacks?: string[];
  /**
   * The request in the door's own protocol: deployments speaking it get it
   * whole, the others the translation above (the Messages door).
   */
  native?: NativeChatInput;
}

export interface NativeChatInput {
  request: NativeRequest;
  /**
   * The first field the translation could not carry, if any: deployments of
   * other protocols are skipped (and the translation above is only an
   * estimate, for admission).
   */
  untranslatable?: { param: string; message: string };
}

export interface ChatCallOptions {
  /** Aborted when the caller goes away: the upstream request is cancelled at once. */
  signal: AbortSignal;
  /**
   * Streams the answer: called with each chunk as soon as it is translated,
   * and awaited, so a slow reader slows the upstream read (backpressure).
   */
  onChunk?: (chunk: ChatCompletionChunk) => void | Promise<void>;
  /** Streams only: called once a deployment is answering, before its first chunk (for response headers). */
  onCommit?: (answering: {
    provider: string;
    model: string;
    attempts: number;
    native: boolean;
    /** Whether the response cache answered; absent when it does not apply to the request. */
    cache?: "hit" | "miss";
  }) => void;
  /** Told which model the call waits for, failovers and output received, for progress reports. */
  progress?: CallProgress;
  /** Streams of a native request answered natively: the provider's events, instead of `onChunk`. */
  onNativeEvents?: (events: NativeStreamPart["events"]) => void | Promise<void>;
  /** What the caller asked of the response cache (Cache-Control, the MCP `cache` argument). */
  cache?: CacheDirectives;
}

/** The chat_completion result of DESIGN.md (snake_case: a public contract). */
export interface ChatResult {
  id: string;
  model: string;
  provider: string;
  content: string | null;
  tool_calls: ToolCall[];
  /** Present only when the model returned its reasoning (thinking, thoughts). */
  reasoning_content?: string;
  finish_reason: FinishReason | null;
  usage: {
    input_tokens: number;
    output_tokens: number;
    /** Input tokens read from the provider's prompt cache, and written to it (priced apart). */
    cached_input_tokens: number;
    cache_write_tokens: number;
    total_tokens: number;
  };
  cost_usd: number;
  latency_ms: number;
  attempts: Attempt[];
  /** `hit`: answered from the response cache (no provider call, $0); absent when the cache does not apply. */
  cache?: "hit" | "miss";
}

export interface ChatOutcome {
  result: ChatResult;
  /** The same answer in OpenAI's shape, for the OpenAI-compatible door. */
  completion: ChatCompletion;
  estimated: boolean;
  /**
   * A native request answered natively, not streamed to the caller: the
   * provider's own body (assembled from its stream, or as sent for a background Response).
   */
  nativeBody?: unknown;
  /** Streams only: from the request to the first chunk the caller received. */
  timeToFirstTokenMs?: number;
  /** `hit`: answered from the response cache; `miss`: looked up (or `no-cache`), then asked a provider. */
  cache?: "hit" | "miss";
}
