import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from "./chat.js";
import type { EmbeddingRequest, EmbeddingResult } from "./embedding.js";
import type { ModelSpec } from "./model-catalog.js";
import type { ParameterSupport } from "./parameter-support.js";

export interface ProviderCallOptions {
  /** Aborts the upstream request: the caller went away or the deadline passed. */
  signal: AbortSignal;
}

/**
 * One provider's wire format behind the internal OpenAI shape. Adapters throw
 * `UpstreamError` for every upstream failure, so the router can classify it.
 */
export interface ProviderAdapter {
  /** The configured provider name (`anthropic`, `openai`, `my-vllm`). */
  readonly name: string;

  /**
   * What this provider does with each chat parameter; the router skips the
   * deployment for a request that sets one it marks `unsupported`. Absent on
   * providers without chat (Voyage).
   */
  readonly parameterSupport?: ParameterSupport;

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
