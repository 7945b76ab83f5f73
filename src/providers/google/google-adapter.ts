import type { ChatRequest } from "../../core/chat.js";
import type { ModelSpec } from "../../core/model-catalog.js";
import type { ProviderAdapter, ProviderCallOptions, ProviderSettings } from "../../core/provider-adapter.js";
import { UpstreamError } from "../../core/upstream-error.js";
import { createUpstreamDispatcher } from "../shared/create-upstream-dispatcher.js";
import { parseUpstreamBody } from "../shared/parse-upstream-body.js";
import { postForEvents, postJson, type UpstreamRequest } from "../shared/post-json.js";
import { convertGoogleResponse } from "./convert-google-response.js";
import { convertToGoogleRequest } from "./convert-to-google-request.js";
import {
  type GoogleBatchEmbedRequest,
  type GoogleCountTokensRequest,
  googleBatchEmbedResponseSchema,
  googleCountTokensResponseSchema,
  googleGenerateContentResponseSchema,
} from "./google-api.js";
import { extractGoogleErrorMessage, withGoogleRetryDelay } from "./google-error.js";
import { googleParameterSupport } from "./google-parameter-support.js";
import { convertGoogleStream } from "./google-stream.js";

/**
 * Google Gemini API (generativelanguage.googleapis.com, `v1beta`), with the
 * key in `x-goog-api-key` rather than the `?key=` query, so it never appears
 * in a URL we log or put in an error.
 */
export function createGoogleAdapter(settings: ProviderSettings): ProviderAdapter {
  const provider = settings.name;
  const baseUrl = settings.baseUrl.replace(/\/+$/, "");
  const dispatcher = createUpstreamDispatcher(settings.timeouts);
  const headers: Record<string, string> = settings.apiKey ? { "x-goog-api-key": settings.apiKey } : {};
  const upstream = (url: string, body: unknown, options: ProviderCallOptions): UpstreamRequest => ({
    provider,
    url,
    headers,
    body,
    dispatcher,
    signal: options.signal,
    onResponseHeaders: options.onResponseHeaders,
    extractErrorMessage: extractGoogleErrorMessage,
  });
  const urlFor = (model: ModelSpec, method: string) =>
    `${baseUrl}/v1beta/${googleModelName(model.providerModelId)}:${method}`;
  const requestBody = (model: ModelSpec, request: ChatRequest) =>
    convertToGoogleRequest(request, { provider, modelId: model.providerModelId });

  return {
    name: provider,
    parameterSupport: googleParameterSupport,

    async chat(model, request, options) {
      const url = urlFor(model, "generateContent");
      const body = requestBody(model, request);
      const json = await withGoogleRetryDelay(postJson(upstream(url, body, options)));
      const response = parseUpstreamBody(googleGenerateContentResponseSchema, json, { provider, url });
      return convertGoogleResponse(response, { provider, url, modelId: model.providerModelId });
    },

    async streamChat(model, request, options) {
      const url = `${urlFor(model, "streamGenerateContent")}?alt=sse`;
      const body = requestBody(model, request);
      const events = await withGoogleRetryDelay(postForEvents(upstream(url, body, options)));
      return convertGoogleStream(events, { provider, url, modelId: model.providerModelId });
    },

    async countInputTokens(model, request, options) {
      const url = urlFor(model, "countTokens");
      const { generationConfig: _generation, ...prompt } = requestBody(model, request);
      const body: GoogleCountTokensRequest = {
        generateContentRequest: { model: googleModelName(model.providerModelId), ...prompt },
      };
      const json = await withGoogleRetryDelay(postJson(upstream(url, body, options)));
      return parseUpstreamBody(googleCountTokensResponseSchema, json, { provider, url }).totalTokens;
    },

    async embed(model, request, options) {
      const url = urlFor(model, "batchEmbedContents");
      const name = googleModelName(model.providerModelId);
      const body: GoogleBatchEmbedRequest = {
        requests: request.input.map((text) => ({
          model: name,
          content: { parts: [{ text }] },
          ...(request.dimensions ? { outputDimensionality: request.dimensions } : {}),
        })),
      };
      const json = await withGoogleRetryDelay(postJson(upstream(url, body, options)));
      const { embeddings } = parseUpstreamBody(googleBatchEmbedResponseSchema, json, { provider, url });
      if (embeddings.length !== request.input.length) {
        throw new UpstreamError({
          provider,
          kind: "invalid_response",
          message: `${provider} returned ${embeddings.length} embeddings for ${request.input.length} inputs`,
          url,
          body: JSON.stringify(json),
        });
      }
      const tokens = estimateEmbeddingTokens(request.input);
      return {
        model: model.providerModelId,
        embeddings: embeddings.map((embedding) => embedding.values),
        usage: { prompt_tokens: tokens, total_tokens: tokens },
        usageEstimated: true,
      };
    },
  };
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
