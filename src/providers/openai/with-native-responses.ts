import type { ModelSpec } from "../../core/model-catalog.js";
import type {
  NativeRequest,
  ProviderAdapter,
  ProviderCallOptions,
  ProviderTimeouts,
} from "../../core/provider-adapter.js";
import { createUpstreamDispatcher } from "../shared/create-upstream-dispatcher.js";
import type { ErrorMessageExtractor } from "../shared/create-upstream-error.js";
import { parseUpstreamBody } from "../shared/parse-upstream-body.js";
import { forwardedCallOptions, postForEvents, postJson, type UpstreamRequest } from "../shared/post-json.js";
import { convertOpenAiResponsesBody } from "./convert-openai-responses-body.js";
import { openAiResponseBodySchema } from "./openai-responses-api.js";
import { pairOpenAiResponsesStream } from "./openai-responses-native-stream.js";

export interface NativeResponsesTarget {
  provider: string;
  /** Where Responses requests go (`{baseUrl}/responses`, Azure's `{endpoint}/openai/v1/responses`). */
  url: string;
  timeouts: ProviderTimeouts;
  /** The credential's headers, asked before every call. */
  headers(): Promise<Record<string, string>> | Record<string, string>;
  extractErrorMessage: ErrorMessageExtractor;
}

/**
 * The Responses API natively: a Responses door request goes to the target
 * whole (encrypted reasoning, hosted tools, `previous_response_id`), read here
 * for usage and errors.
 */
export function withNativeResponses(
  adapter: ProviderAdapter,
  target: NativeResponsesTarget,
): ProviderAdapter {
  const { provider, url } = target;
  const dispatcher = createUpstreamDispatcher(target.timeouts);
  const upstream = async (
    model: ModelSpec,
    native: NativeRequest,
    options: ProviderCallOptions,
    stream: boolean,
  ): Promise<UpstreamRequest> => ({
    provider,
    url,
    headers: await target.headers(),
    body: { ...native.body, model: model.providerModelId, stream },
    dispatcher,
    ...forwardedCallOptions(options),
    extractErrorMessage: target.extractErrorMessage,
  });

  return {
    ...adapter,
    nativeProtocol: "openai-responses",

    async chatNative(model, native, options) {
      const body = await postJson(await upstream(model, native, options, false));
      const response = parseUpstreamBody(openAiResponseBodySchema, body, { provider, url });
      return { body, completion: convertOpenAiResponsesBody(response, model.providerModelId) };
    },

    async streamNative(model, native, options) {
      const events = await postForEvents(await upstream(model, native, options, true));
      return pairOpenAiResponsesStream(
        events,
        { provider, url, model: model.providerModelId },
        { assembleBody: options.assembleBody },
      );
    },
  };
}
