import type { FastifyError, FastifyInstance } from "fastify";
import type { Gateway } from "../../gateway/gateway.js";
import { anthropicErrorBody, renderAnthropicError } from "../anthropic/anthropic-error.js";
import { fastifyMessage } from "../fastify-error-message.js";
import { noteFailure } from "../note-failure.js";
import { registerAnthropicCountTokensRoute } from "./anthropic-count-tokens-route.js";
import { registerAnthropicMessagesRoute } from "./anthropic-messages-route.js";

/** The Anthropic Messages API, with Anthropic's error envelope for every failure in this scope. */
export async function registerAnthropicRoutes(app: FastifyInstance, gateway: Gateway): Promise<void> {
  await app.register(async (scope) => {
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      reply.header("request-id", request.id);
      // Fastify's own 4xx (malformed JSON, body too large, wrong content type) keep their status.
      if (error.statusCode && error.statusCode < 500 && error.code?.startsWith("FST_")) {
        noteFailure(request, error, "GW_ERR_INVALID_REQUEST");
        return reply.code(error.statusCode).send(anthropicErrorBody(error.statusCode, fastifyMessage(error)));
      }
      const rendered = renderAnthropicError(error);
      noteFailure(request, error);
      if (rendered.retryAfterSeconds !== undefined) {
        reply.header("retry-after", String(rendered.retryAfterSeconds));
      }
      return reply.code(rendered.status).send(rendered.body);
    });
    // Claude Code's preconnect: any status would do, an error would only fill logs.
    scope.head("/", async (_request, reply) => reply.code(200).send());
    registerAnthropicMessagesRoute(scope, gateway);
    registerAnthropicCountTokensRoute(scope, gateway);
  });
}
