import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from "./chat.js";
import type { EmbeddingRequest, EmbeddingResult } from "./embedding.js";
import type { ModelSpec } from "./model-catalog.js";
import type { ParameterSupport } from "./parameter-support.js";

/**
 * A request in a provider's own protocol, as a door received it, for a
 * deployment that speaks that protocol (the Messages door to Anthropic, the
 * Responses door to OpenAI): passed on whole, so nothing a translation would
 * lose is lost.
 */
export interface NativeRequest {
  protocol: "anthropic-messages" | "openai-responses";
  /** The client's body as sent; the adapter sets `model` (and `stream`). */
  body: Record<string, unknown>;
  /** Protocol headers the provider must see (`anthropic-beta`). */
  headers: Record<string, string>;
}

/** One step of a native stream: the provider's events as read, and what they mean internally. */
export interface NativeStreamPart {
  events: Array<{ event?: string; data: string }>;
  /** The same events as an internal chunk (usage, content for accounting), when they translate to one. */
  chunk?: ChatCompletionChunk;
  /** The events show the caller content (a block started or grew): failover ends here. */
  carriesContent: boolean;
  /**
   * With `assembleBody`, on the part that ends the stream: the body the
   * provider would have answered the same request unstreamed, assembled from the events.
   */
  body?: unknown;
}

export interface NativeStreamOptions extends ProviderCallOptions {
  /** The caller wants one answer: the stream's last part carries the provider's whole body. */
  assembleBody?: boolean;
}

export interface ProviderCallOptions {
  /** Aborts the upstream request: the caller went away or the deadline passed. */
  signal: AbortSignal;
  /**
   * Opt-in (per group or project): let the adapter mark long system prompts
   * and tool lists as cacheable. Only Anthropic needs breakpoints; others
   * cache by themselves and ignore it.
   */
  autoCacheBreakpoints?: { minPromptTokens: number };
  /**
   * Called with every upstream answer's status and headers (success and
   * error) before its body is read: the router's view of the provider's
   * rate-limit headers, taken by the shared HTTP code so no adapter parses them.
   */
  onResponseHeaders?: (status: number, headers: Record<string, string | string[] | undefined>) => void;
  /**
   * `traceparent` (and `tracestate`) of this attempt's span, when the request is traced: sent
   * upstream, so the provider's own traces join the caller's.
   */
  traceHeaders?: Readonly<Record<string, string>>;
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

  /**
   * Where this provider's models differ (xAI's reasoning models refuse `stop`
   * and the penalties): the table for one model, read instead of `parameterSupport`.
   */
  parameterSupportFor?(model: ModelSpec): ParameterSupport;

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

  /** The protocol this adapter can take natively, with `chatNative` and `streamNative`. */
  readonly nativeProtocol?: NativeRequest["protocol"];

  /** A native request answered whole: the provider's body, and the same answer internally (usage, result). */
  chatNative?(
    model: ModelSpec,
    request: NativeRequest,
    options: ProviderCallOptions,
  ): Promise<{ body: unknown; completion: ChatCompletion }>;

  /**
   * A native request streamed: the provider's events, read by the adapter for
   * usage and errors as they pass (and assembled into the whole body, when asked).
   */
  streamNative?(
    model: ModelSpec,
    request: NativeRequest,
    options: NativeStreamOptions,
  ): Promise<AsyncIterable<NativeStreamPart>>;
}

/** What an adapter factory receives from configuration. */
export interface ProviderSettings {
  name: string;
  kind: ProviderKind;
  apiKey: string | undefined;
  baseUrl: string;
  timeouts: ProviderTimeouts;
  /** Headers sent on every request besides auth (OpenRouter's app attribution). */
  headers?: Record<string, string>;
  /** Kind `bedrock` only: the AWS region and how requests are authorised. */
  bedrock?: BedrockSettings;
  /** Kind `azure` only. */
  azure?: AzureProviderSettings;
  /** Google Cloud's Vertex AI (kinds `vertex`, `vertex-anthropic`): where, and as whom. */
  vertex?: VertexSettings;
}

/**
 * AWS Bedrock's region and credentials. A Bedrock API key (`bearerToken`,
 * `AWS_BEARER_TOKEN_BEDROCK`) wins over access keys, which sign each request with SigV4.
 */
export interface BedrockSettings {
  region: string;
  bearerToken?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** Azure OpenAI's latest generally available dated api-version (learn.microsoft.com/azure/ai-foundry/openai/reference). */
export const defaultAzureOpenAiApiVersion = "2024-10-21";

/** Azure OpenAI: which API version its deployments are called with, and what `apiKey` holds. */
export interface AzureProviderSettings {
  /** A dated version (`2024-10-21`, `2025-04-01-preview`) sent as `?api-version=`, or `v1` for `/openai/v1`. */
  apiVersion: string;
  /**
   * `api-key`: `apiKey` is a resource key; `entra-token`: `apiKey` is a Microsoft Entra ID access
   * token sent as a bearer token; `entra-client-credentials`: tokens come from `clientCredentials`.
   */
  credential: "api-key" | "entra-token" | "entra-client-credentials";
  clientCredentials?: AzureClientCredentials;
}

/** An Entra ID app registration (service principal) that fetches its own tokens, as azure-identity's ClientSecretCredential. */
export interface AzureClientCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** `https://login.microsoftonline.com` unless a sovereign cloud's (or a test's) authority. */
  authorityHost: string;
}

export interface VertexSettings {
  project: string;
  /** A region (`us-east5`) or `global`. */
  location: string;
  /** A service-account JSON key; without it, Application Default Credentials (gcloud, metadata server). */
  credentialsFile?: string;
}

export interface ProviderTimeouts {
  connectMs: number;
  /** Time to a streamed answer's response headers. */
  firstByteMs: number;
  /** Time to a non-streamed answer's response headers: the provider sends them once it is all written. */
  answerMs: number;
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
  "mistral",
  "bedrock",
  "azure",
  // Presets of the OpenAI-compatible adapter: each knows its base URL, key variable and refusals.
  "groq",
  "xai",
  "openrouter",
  "together",
  "fireworks",
  "ollama",
  "vllm",
  "lmstudio",
  // Google Cloud's Vertex AI: Gemini (generateContent) and Claude (Anthropic Messages) behind OAuth tokens.
  "vertex",
  "vertex-anthropic",
] as const;
export type ProviderKind = (typeof providerKinds)[number];
