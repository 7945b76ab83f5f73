import type { FastifyInstance } from "fastify";
import type { Gateway } from "../../gateway/gateway.js";
import { useOpenAiErrorEnvelope } from "../openai/use-openai-error-envelope.js";
import { registerOpenAiChatRoute } from "./openai-chat-route.js";
import { registerOpenAiEmbeddingsRoute } from "./openai-embeddings-route.js";
import { registerOpenAiModelsRoute } from "./openai-models-route.js";
import { registerOpenAiResponsesRoute } from "./openai-responses-route.js";
import { registerProjectsRoute } from "./projects-route.js";
import { registerRequestsRoute } from "./requests-route.js";
import { registerUsageRoute } from "./usage-route.js";

/** The OpenAI-compatible API under /v1, with OpenAI's error envelope for every failure in this scope. */
export async function registerOpenAiRoutes(app: FastifyInstance, gateway: Gateway): Promise<void> {
  await app.register(
    async (scope) => {
      useOpenAiErrorEnvelope(scope);
      registerOpenAiChatRoute(scope, gateway);
      registerOpenAiEmbeddingsRoute(scope, gateway);
      registerOpenAiModelsRoute(scope, gateway);
      registerOpenAiResponsesRoute(scope, gateway);
      registerUsageRoute(scope, gateway);
      registerProjectsRoute(scope, gateway);
      registerRequestsRoute(scope, gateway);
    },
    { prefix: "" },
  );
}
