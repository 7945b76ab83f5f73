import type { FastifyError, FastifyInstance } from "fastify";
import type { Gateway } from "../../gateway/gateway.js";
import { fastifyMessage } from "../fastify-error-message.js";
import { noteFailure } from "../note-failure.js";
import { openAiErrorBody, renderOpenAiError } from "../openai/openai-error.js";
import { registerOpenAiChatRoute } from "./openai-chat-route.js";
import { registerOpenAiEmbeddingsRoute } from "./openai-embeddings-route.js";
import { registerOpenAiModelsRoute } from "./openai-models-route.js";
import { registerOpenAiResponsesRoute } from "./openai-responses-route.js";
import { registerProjectsRoute } from "./projects-route.js";
import { registerUsageRoute } from "./usage-route.js";

/** The OpenAI-compatible API under /v1, with OpenAI's error envelope for every failure in this scope. */
export async function registerOpenAiRoutes(app: FastifyInstance, gateway: Gateway): Promise<void> {
  await app.register(
    async (scope) => {
      scope.setErrorHandler((error: FastifyError, request, reply) => {
        // The client went away while sending its body (or was cut off by the receive timeouts or the
        // connection bound): nobody can read an answer, and under a slowloris attack an error line
        // for each would flood the log.
        if (request.raw.destroyed && error.code === "ECONNRESET") {
          request.log.debug({ err: error }, "client closed the connection before its request arrived");
          return reply.code(400).send();
        }
        // Fastify's own 4xx (malformed JSON, body too large, wrong content type) keep their status.
        if (error.statusCode && error.statusCode < 500 && error.code?.startsWith("FST_")) {
          noteFailure(request, error, "GW_ERR_INVALID_REQUEST");
          return reply
            .code(error.statusCode)
            .send(openAiErrorBody("GW_ERR_INVALID_REQUEST", fastifyMessage(error)));
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
      registerOpenAiChatRoute(scope, gateway);
      registerOpenAiEmbeddingsRoute(scope, gateway);
      registerOpenAiModelsRoute(scope, gateway);
      registerOpenAiResponsesRoute(scope, gateway);
      registerUsageRoute(scope, gateway);
      registerProjectsRoute(scope, gateway);
    },
    { prefix: "" },
  );
}
