import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from "./chat.js";
import type { EmbeddingRequest, EmbeddingResult } from "./embedding.js";
import type { ModelSpec } from "./model-catalog.js";

export interface ProviderCallOptions {
  /** Aborts the upstream request: the caller went away or the deadline passed. */
  signal: AbortSignal;
  /**
   * Opt-in (per group or project): let the adapter mark long system prompts
   * and tool lists as cacheable. Only Anthropic needs breakpoints; others
   * cache by themselves and ignore it.
   */
  autoCacheBreakpoints?: { minPromptTokens: number };
}

/**
 * One provider's wire format behind the internal OpenAI shape. Adapters throw
 * `UpstreamError` for every upstream failure, so the router can classify it.
 */
export interface ProviderAdapter {
  /** The configured provider name (`anthropic`, `openai`, `my-vllm`). */
  readonly name: string;

  chat(model: ModelSpec, request: ChatRequest, options: ProviderCallOptions): Promise<ChatCompletion>;

  /**
   * Resolves once the upstream accepted the request (status 200 and headers
   * read), so HTTP-level failures reject here, before anything streams. The
   * iterable yields OpenAI chunks; its last chunk carries usage when the
   * provider reported it. Mid-stream failures throw `UpstreamError` from the
   * iterator. Breaking out of the loop aborts the upstream request.
   */
  streamChat(
    model: ModelSpec,
    request: ChatRequest,
    options: ProviderCallOptions,
  ): Promise<AsyncIterable<ChatCompletionChunk>>;

  /** Present on providers with an embeddings API. */
  embed?(model: ModelSpec, request: EmbeddingRequest, options: ProviderCallOptions): Promise<EmbeddingResult>;

  /**
   * Present on providers with a token-counting endpoint (Anthropic, Gemini):
   * the input tokens the provider would bill for `request`, counted by the
   * provider itself. Free of charge upstream; nothing is generated.
   */
  countInputTokens?(model: ModelSpec, request: ChatRequest, options: ProviderCallOptions): Promise<number>;
}

/** What an adapter factory receives from configuration. */
export interface ProviderSettings {
  name: string;
  kind: ProviderKind;
  apiKey: string | undefined;
  baseUrl: string;
  timeouts: ProviderTimeouts;
}

export interface ProviderTimeouts {
  connectMs: number;
  /** Time to response headers (and first byte of a non-streamed body). */
  firstByteMs: number;
  /** Longest silence between two body chunks. */
  idleMs: number;
}

export const providerKinds = [
  "anthropic",
  "openai",
  "google",
  "deepseek",
  "voyage",
  "openai-compatible",
] as const;
export type ProviderKind = (typeof providerKinds)[number];
