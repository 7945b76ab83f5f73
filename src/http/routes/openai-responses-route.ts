import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Gateway } from "../../gateway/gateway.js";
import { type CacheDirectives, cacheDirectivesFromHeader } from "../../gateway/response-cache.js";
import { abortOnClientClose } from "../abort-on-client-close.js";
import { answeredHeaders, committedHeaders, writeErrorBeforeStream } from "../gateway-headers.js";
import { noteFailure } from "../note-failure.js";
import { callerFromRequest } from "../openai/caller-from-request.js";
import { renderOpenAiError } from "../openai/openai-error.js";
import { parseBody } from "../openai/parse-body.js";
import { SseWriter } from "../openai/sse-writer.js";
import { convertResponsesResponse, type ResponseFrame } from "../responses/convert-responses-response.js";
import { toResponsesChatInput } from "../responses/responses-chat-input.js";
import { responsesRequestBody } from "../responses/responses-request-schema.js";
import { ResponsesStreamWriter } from "../responses/responses-stream-writer.js";

type CompleteChatArguments = Parameters<Gateway["completeChat"]>;

/**
 * POST /v1/responses: OpenAI's Responses API over the shared chat use case.
 * OpenAI deployments get the client's body whole and answer in their own
 * words; the others get the translation, written back as a Response.
 */
export function registerOpenAiResponsesRoute(app: FastifyInstance, gateway: Gateway): void {
  app.post("/v1/responses", async (request, reply) => {
    const body = parseBody(responsesRequestBody, request.body);
    const caller = callerFromRequest(request);
    const translated = toResponsesChatInput(body, request.body as Record<string, unknown>);
    const input = { ...translated.input, ...gateway.resolveModel(body.model) };
    const signal = abortOnClientClose(request.raw, reply.raw);
    const cache = cacheDirectivesFromHeader(request.headers["cache-control"]);
    const frame = (model: string): ResponseFrame => ({
      id: `resp_${caller.requestId.replaceAll("-", "")}`,
      createdAt: Math.floor(Date.now() / 1000),
      model,
      body,
      namespaces: translated.namespaces,
    });
    const dropped = (native: boolean): Record<string, string> =>
      !native && translated.droppedTools.length > 0
        ? { "x-llm-gateway-dropped-tools": translated.droppedTools.join(",") }
        : {};

    if (!body.stream) {
      const outcome = await gateway.completeChat(input, caller, { signal, cache });
      const native = outcome.nativeBody !== undefined;
      return reply
        .headers({ ...answeredHeaders(outcome), ...dropped(native) })
        .send(
          outcome.nativeBody ?? convertResponsesResponse(outcome.completion, frame(outcome.result.model)),
        );
    }
    return streamResponse(request, reply, gateway, { input, caller, signal, frame, dropped, cache });
  });
}

async function streamResponse(
  request: FastifyRequest,
  reply: FastifyReply,
  gateway: Gateway,
  call: {
    input: CompleteChatArguments[0];
    caller: CompleteChatArguments[1];
    signal: AbortSignal;
    frame: (model: string) => ResponseFrame;
    dropped: (native: boolean) => Record<string, string>;
    cache: CacheDirectives | undefined;
  },
): Promise<void> {
  const sse = new SseWriter(reply.raw);
  let writer: ResponsesStreamWriter | undefined;
  let answeringModel = "";
  // A native stream's own numbering, so a failure after it continues the sequence.
  let nextNativeSequence = 0;
  reply.hijack();
  try {
    const outcome = await gateway.completeChat(call.input, call.caller, {
      signal: call.signal,
      cache: call.cache,
      // Headers once routing commits (failover stays invisible until then); usage once booked, at the end.
      onCommit: (answering) => {
        answeringModel = answering.model;
        sse.start({ ...committedHeaders(request.id, answering), ...call.dropped(answering.native) });
        // A natively answered stream is OpenAI's own, event for event; only a translated one is written.
        if (!answering.native) writer = new ResponsesStreamWriter(sse, call.frame(answering.model));
      },
      onChunk: async (chunk) => writer?.chunk(chunk),
      onNativeEvents: async (events) => {
        for (const { event, data } of events) {
          const sequence = /"sequence_number":\s*(\d+)/.exec(data)?.[1];
          if (sequence !== undefined) nextNativeSequence = Number(sequence) + 1;
          await (event ? sse.event(event, data) : sse.data(data));
        }
      },
    });
    await writer?.finish(outcome.completion.usage);
  } catch (error) {
    if (call.signal.aborted) return sse.end();
    const rendered = renderOpenAiError(error);
    noteFailure(request, error);
    if (!sse.started) {
      writeErrorBeforeStream(reply.raw, rendered, { "x-request-id": request.id });
      return;
    }
    // After the first event the status is sent: the stream ends with `response.failed`, as OpenAI's do.
    const failure = { code: rendered.body.error.code, message: rendered.body.error.message };
    if (writer) await writer.fail(failure);
    else {
      const failed = new ResponsesStreamWriter(sse, call.frame(answeringModel), nextNativeSequence);
      await failed.fail(failure);
    }
  }
  sse.end();
}
