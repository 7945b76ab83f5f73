import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from "../../core/chat.js";
import type { ModelSpec } from "../../core/model-catalog.js";
import type { ProviderAdapter, ProviderCallOptions, ProviderSettings } from "../../core/provider-adapter.js";
import { randomId } from "../../core/random-id.js";
import { isUpstreamError } from "../../core/upstream-error.js";
import { createUpstreamDispatcher } from "../shared/create-upstream-dispatcher.js";
import { parseUpstreamBody } from "../shared/parse-upstream-body.js";
import { forwardedCallOptions, postForBytes, postJson, type UpstreamRequest } from "../shared/post-json.js";
import {
  type BedrockConverseRequestBody,
  type BedrockCountTokensRequestBody,
  bedrockConverseResponseSchema,
  bedrockCountTokensResponseSchema,
} from "./bedrock-api.js";
import { extractBedrockErrorMessage, withBedrockErrorType } from "./bedrock-error.js";
import { bedrockParameterSupport, bedrockParameterSupportFor } from "./bedrock-parameter-support.js";
import { convertBedrockStream } from "./bedrock-stream.js";
import { convertBedrockResponse } from "./convert-bedrock-response.js";
import { convertToBedrockRequest } from "./convert-to-bedrock-request.js";
import { readBedrockEventStream } from "./read-bedrock-event-stream.js";
import { createBedrockRequestSigner } from "./sign-bedrock-request.js";

/** The public endpoint of a region's Bedrock runtime. */
export function defaultBedrockEndpoint(region: string): string {
  return `https://bedrock-runtime.${region}.amazonaws.com`;
}

/**
 * AWS Bedrock's Converse and ConverseStream behind the internal OpenAI shape:
 * `POST {endpoint}/model/{modelId}/converse(-stream)`, where the model id may
 * be a foundation model, a cross-region inference profile
 * (`us.anthropic.claude-sonnet-4-20250514-v1:0`) or an ARN, percent-encoded
 * as one path segment. Streams are AWS binary event streams. CountTokens
 * (`/count-tokens`) counts a request's input for the models that offer it
 * (Claude); where it fails, the gateway's count_tokens answers with an estimate.
 */
export function createBedrockAdapter(settings: ProviderSettings): ProviderAdapter {
  const provider = settings.name;
  const bedrock = settings.bedrock;
  if (!bedrock) throw new Error(`provider ${provider} of kind bedrock has no region`);
  const dispatcher = createUpstreamDispatcher(settings.timeouts);
  const endpoint = settings.baseUrl.replace(/\/+$/, "");
  const sign = createBedrockRequestSigner(bedrock);

  const upstreamRequest = async (
    model: ModelSpec,
    request: ChatRequest,
    operation: "converse" | "converse-stream" | "count-tokens",
    options: ProviderCallOptions,
  ): Promise<UpstreamRequest> => {
    const url = `${endpoint}/model/${encodeURIComponent(model.providerModelId)}/${operation}`;
    const converse = convertToBedrockRequest(provider, model, request, options.autoCacheBreakpoints);
    const body = JSON.stringify(operation === "count-tokens" ? countTokensBody(converse) : converse);
    return {
      provider,
      url,
      headers: { ...settings.headers, ...(await sign(new URL(url), body)) },
      body,
      dispatcher,
      ...forwardedCallOptions(options),
      extractErrorMessage: extractBedrockErrorMessage,
    };
  };

  return {
    name: provider,
    parameterSupport: bedrockParameterSupport,
    parameterSupportFor: bedrockParameterSupportFor,

    async chat(
      model: ModelSpec,
      request: ChatRequest,
      options: ProviderCallOptions,
    ): Promise<ChatCompletion> {
      const upstream = await upstreamRequest(model, request, "converse", options);
      const response = await withErrorType(postJson(upstream));
      return convertBedrockResponse(parseUpstreamBody(bedrockConverseResponseSchema, response, upstream), {
        id: randomId("chatcmpl-", 18),
        model: model.providerModelId,
      });
    },

    async streamChat(
      model: ModelSpec,
      request: ChatRequest,
      options: ProviderCallOptions,
    ): Promise<AsyncIterable<ChatCompletionChunk>> {
      const upstream = await upstreamRequest(model, request, "converse-stream", options);
      // Leaving the loop early returns the body's read, which destroys it and with it the upstream request.
      const bytes = await withErrorType(postForBytes(upstream));
      return convertBedrockStream(readBedrockEventStream(bytes, upstream), {
        provider,
        url: upstream.url,
        model: model.providerModelId,
        id: randomId("chatcmpl-", 18),
      });
    },

    async countInputTokens(model: ModelSpec, request: ChatRequest, options: ProviderCallOptions) {
      const upstream = await upstreamRequest(model, request, "count-tokens", options);
      const response = await withErrorType(postJson(upstream));
      return parseUpstreamBody(bedrockCountTokensResponseSchema, response, upstream).inputTokens;
    },
  };
}

/**
 * CountTokens takes what a Converse request would bill as input: messages,
 * system, tools and the model's own fields (thinking), not the output settings.
 */
function countTokensBody({
  inferenceConfig: _output,
  ...converse
}: BedrockConverseRequestBody): BedrockCountTokensRequestBody {
  return { input: { converse } };
}

async function withErrorType<T>(answer: Promise<T>): Promise<T> {
  try {
    return await answer;
  } catch (error) {
    throw isUpstreamError(error) ? withBedrockErrorType(error) : error;
  }
}
