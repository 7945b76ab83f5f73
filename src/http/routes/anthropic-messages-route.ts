import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Gateway } from "../../gateway/gateway.js";
import { type CacheDirectives, cacheDirectivesFromHeader } from "../../gateway/response-cache.js";
import { abortOnClientClose } from "../abort-on-client-close.js";
import { renderAnthropicError } from "../anthropic/anthropic-error.js";
import { anthropicMessagesRequestBody } from "../anthropic/anthropic-messages-schema.js";
import { convertMessagesResponse } from "../anthropic/convert-messages-response.js";
import { toMessagesChatInput } from "../anthropic/messages-chat-input.js";
import { MessagesStreamWriter } from "../anthropic/messages-stream-writer.js";
import { answeredHeaders, committedHeaders, writeErrorBeforeStream } from "../gateway-headers.js";
import { noteFailure } from "../note-failure.js";
import { callerFromRequest } from "../openai/caller-from-request.js";
import { parseBody } from "../openai/parse-body.js";
import { SseWriter } from "../openai/sse-writer.js";

/**
 * POST /v1/messages: Anthropic's Messages API over the shared chat use case.
 * Claude Code sends `?beta=true`; the route matches the path, whatever the query.
 */
export function registerAnthropicMessagesRoute(app: FastifyInstance, gateway: Gateway): void {
  app.post("/v1/messages", async (request, reply) => {
    const body = parseBody(anthropicMessagesRequestBody, request.body);
    const caller = callerFromRequest(request, "anthropic");
    const input = {
      ...toMessagesChatInput(body, request.body as Record<string, unknown>, request.headers),
      ...gateway.resolveModel(body.model),
    };
    const signal = abortOnClientClose(request.raw, reply.raw);
    const cache = cacheDirectivesFromHeader(request.headers["cache-control"]);
    const messageId = `msg_${caller.requestId.replaceAll("-", "")}`;

    if (!body.stream) {
      const outcome = await gateway.completeChat(input, caller, { signal, cache });
      return reply
        .headers({ "request-id": request.id, ...answeredHeaders(outcome) })
        .send(outcome.nativeBody ?? convertMessagesResponse(outcome.completion, messageId));
    }
    return streamMessage(request, reply, gateway, { input, caller, signal, messageId, cache });
  });
}

async function streamMessage(
  request: FastifyRequest,
  reply: FastifyReply,
  gateway: Gateway,
  call: {
    input: Parameters<Gateway["completeChat"]>[0];
    caller: Parameters<Gateway["completeChat"]>[1];
    signal: AbortSignal;
    messageId: string;
    cache: CacheDirectives | undefined;
  },
): Promise<void> {
  const sse = new SseWriter(reply.raw);
  let writer: MessagesStreamWriter | undefined;
  reply.hijack();
  try {
    const outcome = await gateway.completeChat(call.input, call.caller, {
      signal: call.signal,
      cache: call.cache,
      // Headers once routing commits (failover stays invisible until then); usage once booked, at the end.
      onCommit: (answering) => {
        sse.start({ ...committedHeaders(request.id, answering), "request-id": request.id });
        // A natively answered stream is Anthropic's own, event for event; only a translated one is written.
        if (!answering.native) writer = new MessagesStreamWriter(sse, call.messageId, answering.model);
      },
      onChunk: async (chunk) => writer?.chunk(chunk),
      onNativeEvents: async (events) => {
        for (const { event, data } of events) await (event ? sse.event(event, data) : sse.data(data));
      },
    });
    await writer?.finish(outcome.completion.usage);
  } catch (error) {
    if (call.signal.aborted) return sse.end();
    const rendered = renderAnthropicError(error);
    noteFailure(request, error);
    if (!sse.started) {
      writeErrorBeforeStream(reply.raw, rendered, { "x-request-id": request.id, "request-id": request.id });
      return;
    }
    // After the first event the status is sent: Anthropic's streams end a failure with an `error` event.
    await sse.event("error", JSON.stringify(rendered.body));
  }
  sse.end();
}
