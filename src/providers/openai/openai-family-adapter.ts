import type { ChatCompletionChunk, ChatRequest } from "../../core/chat.js";
import type { ModelSpec } from "../../core/model-catalog.js";
import type { ProviderAdapter, ProviderCallOptions, ProviderSettings } from "../../core/provider-adapter.js";
import { UpstreamError } from "../../core/upstream-error.js";
import { createUpstreamDispatcher } from "../shared/create-upstream-dispatcher.js";
import { parseUpstreamBody } from "../shared/parse-upstream-body.js";
import { forwardedCallOptions, postForEvents, postJson, type UpstreamRequest } from "../shared/post-json.js";
import { checkJsonAnswer } from "./check-json-answer.js";
import { convertOpenAiResponse, type OpenAiResponseContext } from "./convert-openai-response.js";
import { convertToOpenAiRequest } from "./convert-to-openai-request.js";
import {
  type OpenAiEmbeddingRequestBody,
  openAiChatResponseSchema,
  openAiEmbeddingResponseSchema,
} from "./openai-api.js";
import type { OpenAiDialect, OpenAiEndpoint } from "./openai-dialect.js";
import { extractOpenAiErrorMessage } from "./openai-error.js";
import { convertOpenAiStream } from "./openai-stream.js";

/**
 * A JSON answer is only known good once complete: the stream is read to the
 * end and checked before its first chunk goes out, so a mismatch is a failure
 * the router can retry or fail over, not a broken stream.
 */
async function checkedJsonStream(
  provider: string,
  format: Parameters<typeof checkJsonAnswer>[1],
  stream: AsyncIterable<ChatCompletionChunk>,
): Promise<AsyncIterable<ChatCompletionChunk>> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
  checkJsonAnswer(provider, format, content);
  return (async function* replay() {
    yield* chunks;
  })();
}

/**
 * The one Chat Completions (+ Embeddings) implementation behind OpenAI,
 * DeepSeek and every `openai-compatible` upstream; the dialect says how they differ.
 * URLs append to the base URL as the official SDK does (`{baseUrl}/chat/completions`),
 * unless the dialect places them itself (Azure's per-deployment paths).
 */
export function createOpenAiFamilyAdapter(
  settings: ProviderSettings,
  dialect: OpenAiDialect,
): ProviderAdapter {
  const provider = settings.name;
  const baseUrl = (settings.baseUrl || dialect.defaultBaseUrl).replace(/\/+$/, "");
  const urlOf = (endpoint: OpenAiEndpoint, model: ModelSpec) =>
    dialect.urlFor ? dialect.urlFor(baseUrl, endpoint, model) : `${baseUrl}/${endpoint}`;
  const dispatcher = createUpstreamDispatcher(settings.timeouts);
  // Local servers (vLLM, Ollama) run without a key; an empty one must not become "Bearer ".
  const staticHeaders: Record<string, string> = {
    ...settings.headers,
    ...(settings.apiKey && !dialect.authHeaders ? { authorization: `Bearer ${settings.apiKey}` } : {}),
  };
  const headersForCall = async (): Promise<Record<string, string>> =>
    dialect.authHeaders
      ? { ...staticHeaders, ...(await dialect.authHeaders(settings.apiKey ?? "")) }
      : staticHeaders;
  const extractErrorMessage = dialect.extractErrorMessage ?? extractOpenAiErrorMessage;
  const normalize = dialect.normalizeBody ?? ((body: unknown) => body);
  const supportFor = (model: ModelSpec) => dialect.parameterSupportFor?.(model) ?? dialect.parameterSupport;
  const upstream = async (
    url: string,
    body: unknown,
    options: ProviderCallOptions,
  ): Promise<UpstreamRequest> => ({
    provider,
    url,
    headers: await headersForCall(),
    body,
    dispatcher,
    ...forwardedCallOptions(options),
    extractErrorMessage,
  });
  const responseContext = (model: ModelSpec, url: string): OpenAiResponseContext => ({
    provider,
    url,
    modelId: model.providerModelId,
    convertUsage: dialect.convertUsage,
    ...(dialect.normalizeBody ? { normalizeChunk: dialect.normalizeBody } : {}),
  });
  const wireBody = (model: ModelSpec, request: ChatRequest, stream: boolean) => {
    const body = convertToOpenAiRequest(request, {
      model,
      stream,
      supportsDeveloperRole: dialect.supportsDeveloperRole,
      parameterSupport: supportFor(model),
      schemaInPrompt: dialect.schemaInPrompt,
      reasoningEffortOnlyForReasoningModels: dialect.reasoningEffortOnlyForReasoningModels,
    });
    return dialect.convertBody ? dialect.convertBody(body, request, model) : body;
  };
  const schemaToCheck = (request: ChatRequest) =>
    dialect.schemaInPrompt && request.response_format?.type === "json_schema"
      ? request.response_format
      : undefined;

  const adapter: ProviderAdapter = {
    name: provider,
    parameterSupport: dialect.parameterSupport,
    ...(dialect.parameterSupportFor ? { parameterSupportFor: supportFor } : {}),

    async chat(model, request, options) {
      const chatUrl = urlOf("chat/completions", model);
      const json = await postJson(await upstream(chatUrl, wireBody(model, request, false), options));
      const response = parseUpstreamBody(openAiChatResponseSchema, normalize(json), {
        provider,
        url: chatUrl,
      });
      const completion = convertOpenAiResponse(response, responseContext(model, chatUrl));
      const format = schemaToCheck(request);
      if (format) checkJsonAnswer(provider, format, completion.choices[0]?.message.content);
      return completion;
    },

    async streamChat(model, request, options) {
      const chatUrl = urlOf("chat/completions", model);
      const events = await postForEvents(await upstream(chatUrl, wireBody(model, request, true), options));
      const stream = convertOpenAiStream(events, responseContext(model, chatUrl));
      const format = schemaToCheck(request);
      return format ? await checkedJsonStream(provider, format, stream) : stream;
    },
  };
  if (!dialect.hasEmbeddings) return adapter;

  adapter.embed = async (model, request, options) => {
    const embeddingsUrl = urlOf("embeddings", model);
    const body: OpenAiEmbeddingRequestBody = { model: model.providerModelId, input: request.input };
    if (request.dimensions !== undefined) body.dimensions = request.dimensions;
    if (request.user !== undefined) body.user = request.user;
    const wire = dialect.convertEmbeddingBody ? dialect.convertEmbeddingBody(body, request) : body;
    const json = await postJson(await upstream(embeddingsUrl, wire, options));
    const response = parseUpstreamBody(openAiEmbeddingResponseSchema, json, { provider, url: embeddingsUrl });
    if (response.data.length !== request.input.length) {
      throw new UpstreamError({
        provider,
        kind: "invalid_response",
        message: `${provider} returned ${response.data.length} embeddings for ${request.input.length} inputs`,
        url: embeddingsUrl,
        body: JSON.stringify(json),
      });
    }
    const embeddings = response.data
      .map((item, position) => ({ index: item.index ?? position, embedding: item.embedding }))
      .sort((a, b) => a.index - b.index)
      .map((item) => item.embedding);
    const reported = response.usage?.prompt_tokens;
    // Some compatible servers report no usage; about four characters a token is the usual estimate.
    const promptTokens = reported ?? request.input.reduce((sum, text) => sum + Math.ceil(text.length / 4), 0);
    return {
      model: response.model ?? model.providerModelId,
      embeddings,
      usage: { prompt_tokens: promptTokens, total_tokens: response.usage?.total_tokens ?? promptTokens },
      ...(reported == null ? { usageEstimated: true } : {}),
    };
  };
  return adapter;
}
