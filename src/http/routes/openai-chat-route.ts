import type { FastifyInstance } from "fastify";
import type { ChatCompletionChunk } from "../../core/chat.js";
import type { ChatOutcome } from "../../gateway/chat-types.js";
import type { Gateway } from "../../gateway/gateway.js";
import { cacheDirectivesFromHeader } from "../../gateway/response-cache.js";
import { abortOnClientClose } from "../abort-on-client-close.js";
import { answeredHeaders, committedHeaders, writeErrorBeforeStream } from "../gateway-headers.js";
import { noteFailure } from "../note-failure.js";
import { callerFromRequest } from "../openai/caller-from-request.js";
import { renderOpenAiError } from "../openai/openai-error.js";
import { openAiChatRequestBody } from "../openai/openai-request-schemas.js";
import { parseBody } from "../openai/parse-body.js";
import { SseWriter } from "../openai/sse-writer.js";

/** POST /v1/chat/completions: OpenAI's API over the shared chat use case. */
export function registerOpenAiChatRoute(app: FastifyInstance, gateway: Gateway): void {
  app.post("/v1/chat/completions", async (request, reply) => {
    const body = parseBody(openAiChatRequestBody, request.body);
    const caller = callerFromRequest(request);
    const {
      model,
      stream,
      stream_options,
      max_completion_tokens,
      user,
      functions: _functions,
      function_call: _functionCall,
      ...chat
    } = body;
    const input = {
      ...chat,
      ...gateway.resolveModel(model),
      max_tokens: max_completion_tokens ?? chat.max_tokens,
      ...(user ? { user } : {}),
    };
    const signal = abortOnClientClose(request.raw, reply.raw);
    const cache = cacheDirectivesFromHeader(request.headers["cache-control"]);

    if (!stream) {
      const outcome = await gateway.completeChat(input, caller, { signal, cache });
      return reply.headers(answeredHeaders(outcome)).send(outcome.completion);
    }

    const sse = new SseWriter(reply.raw);
    const includeUsage = stream_options?.include_usage === true;
    let usageChunk: ChatCompletionChunk | undefined;
    reply.hijack();
    try {
      const outcome = await gateway.completeChat(input, caller, {
        signal,
        cache,
        // Which provider answers is known once routing commits; cost only once booked, at the end.
        onCommit: (answering) => sse.start(committedHeaders(request.id, answering)),
        onChunk: async (chunk: ChatCompletionChunk) => {
          if (chunk.usage && chunk.choices.length === 0) {
            usageChunk = chunk; // the last chunk: sent below, with the booked cost
            return;
          }
          if (chunk.usage && !includeUsage) chunk.usage = undefined;
          await sse.data(JSON.stringify(chunk));
        },
      });
      if (includeUsage) await sse.data(JSON.stringify(finalUsageChunk(outcome, usageChunk)));
      await sse.data("[DONE]");
    } catch (error) {
      if (signal.aborted) return sse.end();
      const rendered = renderOpenAiError(error);
      noteFailure(request, error);
      if (!sse.started) {
        writeErrorBeforeStream(reply.raw, rendered, { "x-request-id": request.id });
        return;
      }
      // OpenAI's own streams end a failure with an error event; its SDK raises it as an APIError.
      await sse.data(JSON.stringify(rendered.body));
    }
    sse.end();
  });
}

/**
 * OpenAI's last chunk when `stream_options.include_usage` is set: no choices,
 * the usage, and (our extension, as OpenRouter adds `usage.cost`) the booked
 * `cost_usd`, which the headers of a stream cannot carry. When the provider
 * reported no usage, the gateway's own count, as booked.
 */
function finalUsageChunk(outcome: ChatOutcome, usageChunk: ChatCompletionChunk | undefined) {
  const { completion, result } = outcome;
  return {
    ...(usageChunk ?? {
      id: completion.id,
      object: "chat.completion.chunk",
      created: completion.created,
      model: completion.model,
    }),
    choices: [],
    usage: { ...completion.usage, cost_usd: result.cost_usd },
  };
}
