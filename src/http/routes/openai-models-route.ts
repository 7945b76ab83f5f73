import type { FastifyInstance } from "fastify";
import { GatewayError } from "../../core/gateway-error.js";
import type { Gateway } from "../../gateway/gateway.js";

/** GET /v1/models and /v1/models/:id in OpenAI's list format: groups first, then catalog models with prices. */
export function registerOpenAiModelsRoute(app: FastifyInstance, gateway: Gateway): void {
  // Models never change while the process runs: build the answers once.
  const created = Math.floor(Date.now() / 1000);
  // `price_per_mtok` is our extension (as OpenRouter adds `pricing`): USD per million tokens.
  const models = gateway.modelIds().map(({ id, ownedBy, pricePerMtok }) => ({
    id,
    object: "model",
    created,
    owned_by: ownedBy,
    ...(pricePerMtok ? { price_per_mtok: pricePerMtok } : {}),
  }));
  const byId = new Map(models.map((model) => [model.id, model]));
  const list = { object: "list", data: models };

  app.get("/v1/models", async () => list);
  app.get<{ Params: { id: string } }>("/v1/models/:id", async (request) => {
    const model = byId.get(request.params.id);
    if (!model) {
      throw new GatewayError("GW_ERR_UNKNOWN_MODEL", `Unknown model "${request.params.id}".`, {
        param: "model",
      });
    }
    return model;
  });
}
