import type { ChatRequest } from "../../core/chat.js";
import type { EmbeddingRequest } from "../../core/embedding.js";
import type { ModelSpec } from "../../core/model-catalog.js";
import type { ProviderAdapter, ProviderCallOptions, ProviderSettings } from "../../core/provider-adapter.js";
import { UpstreamError } from "../../core/upstream-error.js";
import { createUpstreamDispatcher } from "../shared/create-upstream-dispatcher.js";
import { parseUpstreamBody } from "../shared/parse-upstream-body.js";
import { forwardedCallOptions, postForEvents, postJson, type UpstreamRequest } from "../shared/post-json.js";
import { convertGoogleResponse } from "./convert-google-response.js";
import { convertToGoogleRequest } from "./convert-to-google-request.js";
import {
  type GoogleBatchEmbedRequest,
  type GoogleCountTokensRequest,
  type GoogleGenerateContentRequest,
  googleBatchEmbedResponseSchema,
  googleCountTokensResponseSchema,
  googleGenerateContentResponseSchema,
  type VertexPredictEmbeddingsRequest,
  vertexPredictEmbeddingsResponseSchema,
} from "./google-api.js";
import { extractGoogleErrorMessage, withGoogleRetryDelay } from "./google-error.js";
import { googleParameterSupport } from "./google-parameter-support.js";
import { convertGoogleStream } from "./google-stream.js";

/**
 * Where a Gemini adapter sends its calls and how it signs in: the Gemini API
 * (an API key) or Vertex AI (a Google Cloud token), which speak the same
 * generateContent bodies, streams and error envelopes.
 */
export interface GeminiEndpoint {
  /** A method's URL on a model: `generateContent`, `streamGenerateContent`, `countTokens`. */
  urlFor(modelId: string, method: string): string;
  /** The auth headers of one request (a token may have been refreshed since the last). */
  authHeaders(): Promise<Record<string, string>>;
  /**
   * countTokens' body for a prompt: the Gemini API wants it wrapped in a
   * `generateContentRequest` naming the model, Vertex takes it bare.
   */
  countTokensBody(modelId: string, prompt: Omit<GoogleGenerateContentRequest, "generationConfig">): unknown;
  /** The embeddings method: the Gemini API's batchEmbedContents, or Vertex's `predict`. */
  embeddings: "batchEmbedContents" | "predict";
}

/**
 * Google Gemini API (generativelanguage.googleapis.com, `v1beta`), with the
 * key in `x-goog-api-key` rather than the `?key=` query, so it never appears
 * in a URL we log or put in an error.
 */
export function createGoogleAdapter(settings: ProviderSettings): ProviderAdapter {
  const baseUrl = settings.baseUrl.replace(/\/+$/, "");
  const headers: Record<string, string> = settings.apiKey ? { "x-goog-api-key": settings.apiKey } : {};
  return createGeminiAdapter(settings, {
    urlFor: (modelId, method) => `${baseUrl}/v1beta/${googleModelName(modelId)}:${method}`,
    authHeaders: async () => headers,
    countTokensBody: (modelId, prompt): GoogleCountTokensRequest => ({
      generateContentRequest: { model: googleModelName(modelId), ...prompt },
    }),
    embeddings: "batchEmbedContents",
  });
}

/** generateContent behind the internal OpenAI shape, at an endpoint. */
export function createGeminiAdapter(settings: ProviderSettings, endpoint: GeminiEndpoint): ProviderAdapter {
  const provider = settings.name;
  const dispatcher = createUpstreamDispatcher(settings.timeouts);
  const upstream = async (
    url: string,
    body: unknown,
    options: ProviderCallOptions,
  ): Promise<UpstreamRequest> => ({
    provider,
    url,
    headers: await endpoint.authHeaders(),
    body,
    dispatcher,
    ...forwardedCallOptions(options),
    extractErrorMessage: extractGoogleErrorMessage,
  });
  const urlFor = (model: ModelSpec, method: string) => endpoint.urlFor(model.providerModelId, method);
  const requestBody = (model: ModelSpec, request: ChatRequest) =>
    convertToGoogleRequest(request, { provider, modelId: model.providerModelId });

  const adapter: ProviderAdapter = {
    name: provider,
    parameterSupport: googleParameterSupport,

    async chat(model, request, options) {
      const url = urlFor(model, "generateContent");
      const body = requestBody(model, request);
      const json = await withGoogleRetryDelay(postJson(await upstream(url, body, options)));
      const response = parseUpstreamBody(googleGenerateContentResponseSchema, json, { provider, url });
      return convertGoogleResponse(response, { provider, url, modelId: model.providerModelId });
    },

    async streamChat(model, request, options) {
      const url = `${urlFor(model, "streamGenerateContent")}?alt=sse`;
      const body = requestBody(model, request);
      const events = await withGoogleRetryDelay(postForEvents(await upstream(url, body, options)));
      return convertGoogleStream(events, { provider, url, modelId: model.providerModelId });
    },

    async countInputTokens(model, request, options) {
      const url = urlFor(model, "countTokens");
      const { generationConfig: _generation, ...prompt } = requestBody(model, request);
      const body = endpoint.countTokensBody(model.providerModelId, prompt);
      const json = await withGoogleRetryDelay(postJson(await upstream(url, body, options)));
      return parseUpstreamBody(googleCountTokensResponseSchema, json, { provider, url }).totalTokens;
    },
  };
  adapter.embed = async (model, request, options) => {
    const method = endpoint.embeddings === "predict" ? "predict" : "batchEmbedContents";
    const url = urlFor(model, method);
    const { vectors, tokens } =
      method === "predict"
        ? await predictEmbeddings(url, request, options)
        : await batchEmbed(url, model, request, options);
    if (vectors.length !== request.input.length) {
      throw new UpstreamError({
        provider,
        kind: "invalid_response",
        message: `${provider} returned ${vectors.length} embeddings for ${request.input.length} inputs`,
        url,
      });
    }
    const promptTokens = tokens ?? estimateEmbeddingTokens(request.input);
    return {
      model: model.providerModelId,
      embeddings: vectors,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      ...(tokens === undefined ? { usageEstimated: true } : {}),
    };
  };

  /** The Gemini API's batchEmbedContents: vectors, no token counts. */
  const batchEmbed = async (
    url: string,
    model: ModelSpec,
    request: EmbeddingRequest,
    options: ProviderCallOptions,
  ) => {
    const name = googleModelName(model.providerModelId);
    const body: GoogleBatchEmbedRequest = {
      requests: request.input.map((text) => ({
        model: name,
        content: { parts: [{ text }] },
        ...(request.dimensions ? { outputDimensionality: request.dimensions } : {}),
      })),
    };
    const json = await withGoogleRetryDelay(postJson(await upstream(url, body, options)));
    const { embeddings } = parseUpstreamBody(googleBatchEmbedResponseSchema, json, { provider, url });
    return { vectors: embeddings.map((embedding) => embedding.values), tokens: undefined };
  };

  /** Vertex's `predict` for embedding models: vectors with each input's token count. */
  const predictEmbeddings = async (url: string, request: EmbeddingRequest, options: ProviderCallOptions) => {
    const body: VertexPredictEmbeddingsRequest = {
      instances: request.input.map((content) => ({ content })),
      ...(request.dimensions ? { parameters: { outputDimensionality: request.dimensions } } : {}),
    };
    const json = await withGoogleRetryDelay(postJson(await upstream(url, body, options)));
    const { predictions } = parseUpstreamBody(vertexPredictEmbeddingsResponseSchema, json, { provider, url });
    return {
      vectors: predictions.map((prediction) => prediction.embeddings.values),
      tokens: predictions.reduce(
        (total, prediction) => total + (prediction.embeddings.statistics?.token_count ?? 0),
        0,
      ),
    };
  };
  return adapter;
}

/** `gemini-2.5-flash` -> `models/gemini-2.5-flash`; full resource names pass as they are. */
function googleModelName(modelId: string): string {
  return /^(models|tunedModels)\//.test(modelId) ? modelId : `models/${modelId}`;
}

/**
 * batchEmbedContents reports no token usage, yet embeddings are billed per
 * input token, so we estimate with Google's own rule of thumb of about four
 * characters a token (ai.google.dev/gemini-api/docs/tokens), rounded up per input.
 */
export function estimateEmbeddingTokens(input: string[]): number {
  return input.reduce((total, text) => total + Math.ceil(text.length / 4), 0);
}
