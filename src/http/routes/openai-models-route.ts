import type { FastifyInstance } from "fastify";
import { GatewayError } from "../../core/gateway-error.js";
import type { Gateway } from "../../gateway/gateway.js";
import { anthropicErrorBody } from "../anthropic/anthropic-error.js";
import { convertModelsResponse } from "../anthropic/convert-models-response.js";

/**
 * GET /v1/models and /v1/models/:id in OpenAI's list format: groups first,
 * then catalog models with prices. A request carrying `anthropic-version` (the
 * Anthropic SDK's) gets Anthropic's shape and envelope instead: both APIs use the path.
 */
export function registerOpenAiModelsRoute(app: FastifyInstance, gateway: Gateway): void {
  // Models never change while the process runs: build the answers once.
  const createdAt = new Date();
  const created = Math.floor(createdAt.getTime() / 1000);
  const ids = gateway.modelIds();
  // `price_per_mtok` is our extension (as OpenRouter adds `pricing`): USD per million tokens.
  const models = ids.map(({ id, ownedBy, pricePerMtok }) => ({
    id,
    object: "model",
    created,
    owned_by: ownedBy,
    ...(pricePerMtok ? { price_per_mtok: pricePerMtok } : {}),
  }));
  const byId = new Map(models.map((model) => [model.id, model]));
  const list = { object: "list", data: models };
  const anthropic = convertModelsResponse(ids, createdAt);
  const anthropicById = new Map(anthropic.data.map((model) => [model.id, model]));

  /**
   * `deployments` is our extension too (OpenAI clients ignore unknown fields): each catalog
   * model's accounts with their live state, so built per request.
   */
  const withDeployments = async <T extends { id: string }>(data: T[]) => {
    const deployments = await gateway.modelDeployments();
    return data.map((model) => {
      const listed = deployments.get(model.id);
      return listed ? { ...model, deployments: listed } : model;
    });
  };

  // A key with a `models` list sees what it may call: its groups, and their models.
  app.get("/v1/models", async (request) => {
    if (request.headers["anthropic-version"] !== undefined) {
      if (request.principal?.models === undefined) return anthropic;
      const mayUse = (model: { id: string }) => gateway.mayUseModel(request.principal, model.id);
      return { ...anthropic, data: anthropic.data.filter(mayUse) };
    }
    const mayUse = (model: { id: string }) => gateway.mayUseModel(request.principal, model.id);
    const visible = request.principal?.models === undefined ? models : models.filter(mayUse);
    return { ...list, data: await withDeployments(visible) };
  });
  app.get<{ Params: { id: string } }>("/v1/models/:id", async (request, reply) => {
    const { id } = request.params;
    // Listed or not, a model the key may not call is answered as unknown to it.
    const hidden = !gateway.mayUseModel(request.principal, id);
    if (request.headers["anthropic-version"] !== undefined) {
      const model = hidden ? undefined : anthropicById.get(id);
      return model ?? reply.code(404).send(anthropicErrorBody(404, `Unknown model "${id}".`));
    }
    const model = hidden ? undefined : byId.get(id);
    if (!model) {
      throw new GatewayError("GW_ERR_UNKNOWN_MODEL", `Unknown model "${id}".`, { param: "model" });
    }
    const [withLive] = await withDeployments([model]);
    return withLive;
  });
}
