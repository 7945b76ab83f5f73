import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from "../../core/chat.js";
import type { ModelSpec } from "../../core/model-catalog.js";
import type {
  NativeRequest,
  NativeStreamOptions,
  NativeStreamPart,
  ProviderAdapter,
  ProviderCallOptions,
  ProviderSettings,
} from "../../core/provider-adapter.js";
import { createUpstreamDispatcher } from "../shared/create-upstream-dispatcher.js";
import type { ErrorMessageExtractor } from "../shared/create-upstream-error.js";
import { parseUpstreamBody } from "../shared/parse-upstream-body.js";
import { forwardedCallOptions, postForEvents, postJson, type UpstreamRequest } from "../shared/post-json.js";
import {
  type AnthropicCountTokensRequestBody,
  anthropicApiVersion,
  anthropicCountTokensResponseSchema,
  anthropicMessageResponseSchema,
} from "./anthropic-api.js";
import { extractAnthropicErrorMessage } from "./anthropic-error.js";
import { pairAnthropicNativeStream } from "./anthropic-native-stream.js";
import { anthropicParameterSupport } from "./anthropic-parameter-support.js";
import { convertAnthropicStream } from "./anthropic-stream.js";
import { convertAnthropicMessage } from "./convert-anthropic-message.js";
import { convertToAnthropicRequest } from "./convert-to-anthropic-request.js";
import { hoistAnthropicSystemMessages } from "./hoist-anthropic-system-messages.js";

/**
 * Where an Anthropic Messages adapter sends its calls and how it signs in:
 * Anthropic's API (a key, the version as a header) or Claude on Vertex AI (a
 * Google Cloud token, the model in the URL, the version in the body).
 */
export interface AnthropicEndpoint {
  /** The Messages URL for a model, streamed or not. */
  messagesUrl(modelId: string, stream: boolean): string;
  countTokensUrl: string;
  /** Auth and version headers of one request (a token may have been refreshed since the last). */
  headers(): Promise<Record<string, string>>;
  /** The Messages body as this endpoint takes it. */
  messagesBody(body: Record<string, unknown>): Record<string, unknown>;
  countTokensBody(body: Record<string, unknown>): Record<string, unknown>;
}

/**
 * The Anthropic Messages API behind the internal OpenAI shape. `baseUrl` is
 * what the official SDK takes (default https://api.anthropic.com), without `/v1`.
 */
export function createAnthropicAdapter(settings: ProviderSettings): ProviderAdapter {
  const url = `${settings.baseUrl.replace(/\/+$/, "")}/v1/messages`;
  const headers: Record<string, string> = { "anthropic-version": anthropicApiVersion };
  if (settings.apiKey) headers["x-api-key"] = settings.apiKey;
  return createMessagesAdapter(settings, {
    messagesUrl: () => url,
    countTokensUrl: `${url}/count_tokens`,
    headers: async () => headers,
    messagesBody: (body) => body,
    countTokensBody: (body) => body,
  });
}

/** Anthropic Messages behind the internal OpenAI shape, at an endpoint; the Messages door's requests pass whole. */
export function createMessagesAdapter(
  settings: ProviderSettings,
  endpoint: AnthropicEndpoint,
  extractErrorMessage: ErrorMessageExtractor = extractAnthropicErrorMessage,
): ProviderAdapter {
  const provider = settings.name;
  const dispatcher = createUpstreamDispatcher(settings.timeouts);
  const countTokensUrl = endpoint.countTokensUrl;

  const upstreamRequest = async (
    body: Record<string, unknown>,
    options: ProviderCallOptions,
    to: string,
    extraHeaders: Record<string, string> = {},
  ): Promise<UpstreamRequest> => ({
    provider,
    url: to,
    headers: { ...extraHeaders, ...(await endpoint.headers()) },
    body,
    dispatcher,
    ...forwardedCallOptions(options),
    extractErrorMessage,
  });

  /**
   * The client's body for this deployment; its own key and version win over
   * anything the client sent. System messages inside `messages` go to
   * `system` for a model that takes none there.
   */
  const nativeUpstreamRequest = (
    model: ModelSpec,
    native: NativeRequest,
    options: ProviderCallOptions,
    stream: boolean,
  ): Promise<UpstreamRequest> => {
    const body = { ...native.body, model: model.providerModelId, stream };
    return upstreamRequest(
      endpoint.messagesBody(model.midConversationSystemMessages ? body : hoistAnthropicSystemMessages(body)),
      options,
      endpoint.messagesUrl(model.providerModelId, stream),
      native.headers,
    );
  };

  return {
    name: provider,
    nativeProtocol: "anthropic-messages",

    async chatNative(model: ModelSpec, native: NativeRequest, options: ProviderCallOptions) {
      const url = endpoint.messagesUrl(model.providerModelId, false);
      const response = await postJson(await nativeUpstreamRequest(model, native, options, false));
      const completion = convertAnthropicMessage(
        parseUpstreamBody(anthropicMessageResponseSchema, response, { provider, url }),
      );
      return { body: response, completion };
    },

    async streamNative(
      model: ModelSpec,
      native: NativeRequest,
      options: NativeStreamOptions,
    ): Promise<AsyncIterable<NativeStreamPart>> {
      const events = await postForEvents(await nativeUpstreamRequest(model, native, options, true));
      return pairAnthropicNativeStream(
        events,
        { provider, url: endpoint.messagesUrl(model.providerModelId, true), model: model.providerModelId },
        { assembleBody: options.assembleBody },
      );
    },
    parameterSupport: anthropicParameterSupport,

    async chat(
      model: ModelSpec,
      request: ChatRequest,
      options: ProviderCallOptions,
    ): Promise<ChatCompletion> {
      const url = endpoint.messagesUrl(model.providerModelId, false);
      const body = convertToAnthropicRequest(provider, model, request, options.autoCacheBreakpoints);
      const response = await postJson(
        await upstreamRequest(endpoint.messagesBody({ ...body }), options, url),
      );
      return convertAnthropicMessage(
        parseUpstreamBody(anthropicMessageResponseSchema, response, { provider, url }),
      );
    },

    async streamChat(
      model: ModelSpec,
      request: ChatRequest,
      options: ProviderCallOptions,
    ): Promise<AsyncIterable<ChatCompletionChunk>> {
      const body = {
        ...convertToAnthropicRequest(provider, model, request, options.autoCacheBreakpoints),
        stream: true,
      };
      // Leaving the loop early returns parseSse's read of the body, which
      // destroys it and with it the upstream request.
      const url = endpoint.messagesUrl(model.providerModelId, true);
      const events = await postForEvents(await upstreamRequest(endpoint.messagesBody(body), options, url));
      return convertAnthropicStream(events, { provider, url, model: model.providerModelId });
    },

    async countInputTokens(model: ModelSpec, request: ChatRequest, options: ProviderCallOptions) {
      const {
        model: modelId,
        messages,
        system,
        tools,
        tool_choice,
      } = convertToAnthropicRequest(provider, model, request);
      // Fields left undefined are not serialised.
      const body: AnthropicCountTokensRequestBody = { model: modelId, messages, system, tools, tool_choice };
      const response = await postJson(
        await upstreamRequest(endpoint.countTokensBody({ ...body }), options, countTokensUrl),
      );
      return parseUpstreamBody(anthropicCountTokensResponseSchema, response, {
        provider,
        url: countTokensUrl,
      }).input_tokens;
    },
  };
}
