import type { FakeResponse, FakeUpstreamServer, RecordedCall } from "./fake-upstream-server.js";

export interface FakeUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
}

/**
 * Wire-exact responses of one provider, so tests and demo mode script any
 * provider the same way: "call 1 -> replies.error(529), call 2 -> replies.stream([...])".
 */
export interface FakeReplies {
  /** A complete, non-streamed chat answer. */
  text(content: string, usage?: FakeUsage): FakeResponse;
  /** A non-streamed answer calling one tool with JSON arguments. */
  toolCall(name: string, argumentsJson: string, usage?: FakeUsage): FakeResponse;
  /** A streamed answer, one content delta per piece, ending with the provider's finish and usage events. */
  stream(
    pieces: string[],
    options?: { usage?: FakeUsage; chunkDelayMs?: number; delayMs?: number; cutAfter?: number },
  ): FakeResponse;
  /** A streamed answer that sends `pieces`, then the provider's in-band error event (Anthropic `overloaded_error`, ...). */
  streamError(pieces: string[], options?: { chunkDelayMs?: number }): FakeResponse;
  /** The provider's error envelope with this status; `retryAfterSeconds` sets `retry-after`. */
  error(status: number, message: string, options?: { retryAfterSeconds?: number }): FakeResponse;
}

/** A running fake provider: a real HTTP server speaking one provider's wire format. */
export interface FakeProvider {
  readonly server: FakeUpstreamServer;
  /** The value to configure as the provider's `*_BASE_URL`. */
  readonly baseUrl: string;
  readonly replies: FakeReplies;
  /** Queue responses for the next chat calls (streamed or not). */
  enqueueChat(...responses: FakeResponse[]): void;
  /** Queue responses for the next embedding calls (providers with embeddings). */
  enqueueEmbeddings?(...responses: FakeResponse[]): void;
  chatCalls(): RecordedCall[];
  embeddingCalls?(): RecordedCall[];
  /** Queue responses for the next token-counting calls (providers with a counting endpoint). */
  enqueueCountTokens?(...responses: FakeResponse[]): void;
  countTokensCalls?(): RecordedCall[];
  close(): Promise<void>;
}

/** The `retry-after` header `FakeReplies.error` sets when given `retryAfterSeconds`. */
export function retryAfterHeaders(retryAfterSeconds: number | undefined): Record<string, string> {
  return retryAfterSeconds === undefined ? {} : { "retry-after": String(retryAfterSeconds) };
}
