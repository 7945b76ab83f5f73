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
import { parseUpstreamBody } from "../shared/parse-upstream-body.js";
import { postForEvents, postJson, type UpstreamRequest } from "../shared/post-json.js";
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
 * The Anthropic Messages API behind the internal OpenAI shape. `baseUrl` is
 * what the official SDK takes (default https://api.anthropic.com), without `/v1`.
 */
export function createAnthropicAdapter(settings: ProviderSettings): ProviderAdapter {
  const provider = settings.name;
  const dispatcher = createUpstreamDispatcher(settings.timeouts);
  const url = `${settings.baseUrl.replace(/\/+$/, "")}/v1/messages`;
  const countTokensUrl = `${url}/count_tokens`;
  const headers: Record<string, string> = { "anthropic-version": anthropicApiVersion };
  if (settings.apiKey) headers["x-api-key"] = settings.apiKey;

  const upstreamRequest = (
    body: unknown,
    options: ProviderCallOptions,
    to = url,
    extraHeaders: Record<string, string> = {},
  ): UpstreamRequest => ({
    provider,
    url: to,
    headers: { ...extraHeaders, ...headers },
    body,
    dispatcher,
    signal: options.signal,
    onResponseHeaders: options.onResponseHeaders,
    extractErrorMessage: extractAnthropicErrorMessage,
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
  ): UpstreamRequest => {
    const body = { ...native.body, model: model.providerModelId, stream };
    return upstreamRequest(
      model.midConversationSystemMessages ? body : hoistAnthropicSystemMessages(body),
      options,
      url,
      native.headers,
    );
  };

  return {
    name: provider,
    nativeProtocol: "anthropic-messages",

    async chatNative(model: ModelSpec, native: NativeRequest, options: ProviderCallOptions) {
      const response = await postJson(nativeUpstreamRequest(model, native, options, false));
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
      const events = await postForEvents(nativeUpstreamRequest(model, native, options, true));
      return pairAnthropicNativeStream(
        events,
        { provider, url, model: model.providerModelId },
        { assembleBody: options.assembleBody },
      );
    },
    parameterSupport: anthropicParameterSupport,

    async chat(
      model: ModelSpec,
      request: ChatRequest,
      options: ProviderCallOptions,
    ): Promise<ChatCompletion> {
      const body = convertToAnthropicRequest(provider, model, request, options.autoCacheBreakpoints);
      const response = await postJson(upstreamRequest(body, options));
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
      const events = await postForEvents(upstreamRequest(body, options));
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
      const response = await postJson(upstreamRequest(body, options, countTokensUrl));
      return parseUpstreamBody(anthropicCountTokensResponseSchema, response, {
        provider,
        url: countTokensUrl,
      }).input_tokens;
    },
  };
}
