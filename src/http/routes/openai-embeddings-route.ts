import type { FastifyInstance } from "fastify";
import type { Gateway } from "../../gateway/gateway.js";
import { abortOnClientClose } from "../abort-on-client-close.js";
import { callerFromRequest } from "../openai/caller-from-request.js";
import { openAiEmbeddingsRequestSchema } from "../openai/openai-request-schemas.js";
import { parseBody } from "../openai/parse-body.js";

/** POST /v1/embeddings, including `encoding_format: "base64"` (the official SDK's default). */
export function registerOpenAiEmbeddingsRoute(app: FastifyInstance, gateway: Gateway): void {
  app.post("/v1/embeddings", async (request, reply) => {
    const body = parseBody(openAiEmbeddingsRequestSchema, request.body);
    const caller = callerFromRequest(request);
    const result = await gateway.embed(
      {
        input: typeof body.input === "string" ? [body.input] : (body.input as string[]),
        ...gateway.resolveModel(body.model),
        dimensions: body.dimensions ?? undefined,
        user: body.user ?? undefined,
      },
      caller,
      abortOnClientClose(request.raw, reply.raw),
    );
    const base64 = body.encoding_format === "base64";
    return reply
      .headers({
        "x-llm-gateway-provider": result.provider,
        "x-llm-gateway-model": result.model,
        "x-llm-gateway-attempts": String(result.attempts.length),
        "x-llm-gateway-cost-usd": String(result.cost_usd),
      })
      .send({
        object: "list",
        data: result.embeddings.map((embedding, index) => ({
          object: "embedding",
          index,
          embedding: base64 ? Buffer.from(new Float32Array(embedding).buffer).toString("base64") : embedding,
        })),
        model: result.model,
        usage: { prompt_tokens: result.usage.input_tokens, total_tokens: result.usage.total_tokens },
      });
  });
}
