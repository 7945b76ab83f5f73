import type { ProviderAdapter, ProviderSettings } from "../../core/provider-adapter.js";
import { UpstreamError } from "../../core/upstream-error.js";
import { createUpstreamDispatcher } from "../shared/create-upstream-dispatcher.js";
import { parseUpstreamBody } from "../shared/parse-upstream-body.js";
import { forwardedCallOptions, postJson } from "../shared/post-json.js";
import { type VoyageEmbeddingsRequest, voyageEmbeddingsResponseSchema } from "./voyage-api.js";
import { extractVoyageErrorMessage } from "./voyage-error.js";

/** Voyage AI serves embeddings only (base URL ends in `/v1`). */
export function createVoyageAdapter(settings: ProviderSettings): ProviderAdapter {
  const provider = settings.name;
  const baseUrl = settings.baseUrl.replace(/\/+$/, "");
  const dispatcher = createUpstreamDispatcher(settings.timeouts);
  const headers: Record<string, string> = settings.apiKey
    ? { authorization: `Bearer ${settings.apiKey}` }
    : {};
  // A chat model routed here is a catalog mistake no retry or other request fixes.
  const noChat = async (): Promise<never> => {
    throw new UpstreamError({
      provider,
      kind: "request",
      isRetryable: false,
      message: `${provider} only serves embeddings; it has no chat API. Route chat models to a chat provider.`,
    });
  };

  return {
    name: provider,
    chat: noChat,
    streamChat: noChat,

    async embed(model, request, options) {
      const url = `${baseUrl}/embeddings`;
      const body: VoyageEmbeddingsRequest = {
        input: request.input,
        model: model.providerModelId,
        ...(request.dimensions ? { output_dimension: request.dimensions } : {}),
      };
      const json = await postJson({
        provider,
        url,
        headers,
        body,
        dispatcher,
        ...forwardedCallOptions(options),
        extractErrorMessage: extractVoyageErrorMessage,
      });
      const response = parseUpstreamBody(voyageEmbeddingsResponseSchema, json, { provider, url });
      const data = [...response.data].sort((first, second) => first.index - second.index);
      if (data.length !== request.input.length || data.some((item, position) => item.index !== position)) {
        throw new UpstreamError({
          provider,
          kind: "invalid_response",
          message: `${provider} returned embeddings at indexes [${data.map((item) => item.index).join(", ")}] for ${request.input.length} inputs`,
          url,
          body: JSON.stringify(json),
        });
      }
      return {
        model: response.model ?? model.providerModelId,
        embeddings: data.map((item) => item.embedding),
        usage: { prompt_tokens: response.usage.total_tokens, total_tokens: response.usage.total_tokens },
      };
    },
  };
}
