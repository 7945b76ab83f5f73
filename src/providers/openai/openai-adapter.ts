import type { ModelSpec } from "../../core/model-catalog.js";
import type {
  NativeRequest,
  ProviderAdapter,
  ProviderCallOptions,
  ProviderSettings,
} from "../../core/provider-adapter.js";
import { createUpstreamDispatcher } from "../shared/create-upstream-dispatcher.js";
import { parseUpstreamBody } from "../shared/parse-upstream-body.js";
import { postForEvents, postJson, type UpstreamRequest } from "../shared/post-json.js";
import { convertOpenAiResponsesBody } from "./convert-openai-responses-body.js";
import { openAiDialect } from "./openai-dialect.js";
import { extractOpenAiErrorMessage } from "./openai-error.js";
import { createOpenAiFamilyAdapter } from "./openai-family-adapter.js";
import { openAiResponseBodySchema } from "./openai-responses-api.js";
import { pairOpenAiResponsesStream } from "./openai-responses-native-stream.js";

/**
 * OpenAI Chat Completions and Embeddings (`Authorization: Bearer`, base URL
 * `https://api.openai.com/v1`), plus the Responses API natively: a Responses
 * door request goes to `{baseUrl}/responses` whole (encrypted reasoning,
 * hosted tools, `previous_response_id`), read here for usage and errors.
 */
export function createOpenAiAdapter(settings: ProviderSettings): ProviderAdapter {
  const adapter = createOpenAiFamilyAdapter(settings, openAiDialect);
  const provider = settings.name;
  const url = `${(settings.baseUrl || openAiDialect.defaultBaseUrl).replace(/\/+$/, "")}/responses`;
  const dispatcher = createUpstreamDispatcher(settings.timeouts);
  const headers: Record<string, string> = settings.apiKey
    ? { authorization: `Bearer ${settings.apiKey}` }
    : {};
  const upstream = (
    model: ModelSpec,
    native: NativeRequest,
    options: ProviderCallOptions,
    stream: boolean,
  ): UpstreamRequest => ({
    provider,
    url,
    headers,
    body: { ...native.body, model: model.providerModelId, stream },
    dispatcher,
    signal: options.signal,
    onResponseHeaders: options.onResponseHeaders,
    extractErrorMessage: extractOpenAiErrorMessage,
  });

  return {
    ...adapter,
    nativeProtocol: "openai-responses",

    async chatNative(model, native, options) {
      const body = await postJson(upstream(model, native, options, false));
      const response = parseUpstreamBody(openAiResponseBodySchema, body, { provider, url });
      return { body, completion: convertOpenAiResponsesBody(response, model.providerModelId) };
    },

    async streamNative(model, native, options) {
      const events = await postForEvents(upstream(model, native, options, true));
      return pairOpenAiResponsesStream(
        events,
        { provider, url, model: model.providerModelId },
        { assembleBody: options.assembleBody },
      );
    },
  };
}
