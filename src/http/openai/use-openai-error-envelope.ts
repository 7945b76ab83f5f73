import type { FastifyError, FastifyInstance } from "fastify";
import { fastifyMessage } from "../fastify-error-message.js";
import { noteFailure } from "../note-failure.js";
import { openAiErrorBody, renderOpenAiError } from "./openai-error.js";

/**
 * Every failure in `scope` answered in OpenAI's error envelope (/v1, and /admin which shares it):
 * gateway errors with their status and retry-after, Fastify's own 4xx (malformed JSON, body too
 * large, wrong content type) with theirs, unknown paths with a 404.
 */
export function useOpenAiErrorEnvelope(
  scope: FastifyInstance,
  options: { fastifyErrorParam?: string } = {},
): void {
  scope.setErrorHandler((error: FastifyError, request, reply) => {
    // The client went away while sending its body (or was cut off by the receive timeouts or the
    // connection bound): nobody can read an answer, and under a slowloris attack an error line
    // for each would flood the log.
    if (request.raw.destroyed && error.code === "ECONNRESET") {
      request.log.debug({ err: error }, "client closed the connection before its request arrived");
      return reply.code(400).send();
    }
    if (error.statusCode && error.statusCode < 500 && error.code?.startsWith("FST_")) {
      noteFailure(request, error, "GW_ERR_INVALID_REQUEST");
      return reply
        .code(error.statusCode)
        .send(openAiErrorBody("GW_ERR_INVALID_REQUEST", fastifyMessage(error), options.fastifyErrorParam));
    }
    const rendered = renderOpenAiError(error);
    noteFailure(request, error);
    if (rendered.retryAfterSeconds !== undefined)
      reply.header("retry-after", String(rendered.retryAfterSeconds));
    return reply.code(rendered.status).send(rendered.body);
  });
  scope.setNotFoundHandler((request, reply) => {
    request.errorCode = "GW_ERR_INVALID_REQUEST";
    return reply
      .code(404)
      .send(
        openAiErrorBody(
          "GW_ERR_INVALID_REQUEST",
          `Unknown endpoint: ${request.method} ${request.url.split("?")[0]}`,
        ),
      );
  });
}
