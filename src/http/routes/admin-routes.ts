import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { KeyLimits } from "../../config/gateway-config.js";
import type { Gateway } from "../../gateway/gateway.js";
import type { AdminKey, KeyChanges, LimitChanges } from "../../gateway/governance-admin.js";
import type { ManagedKey } from "../../governance/governance-settings.js";
import { adminOpenApiDocument } from "../admin/admin-openapi.js";
import {
  agentIdSchema,
  createKeyBodySchema,
  listBudgetsQuerySchema,
  listKeysQuerySchema,
  projectIdSchema,
  setLimitsBodySchema,
  updateKeyBodySchema,
} from "../admin/admin-schemas.js";
import { budgetEntryView, keyView } from "../admin/admin-views.js";
import { parseAdminInput } from "../admin/parse-admin-input.js";
import { openAiErrorBody } from "../openai/openai-error.js";
import { useOpenAiErrorEnvelope } from "../openai/use-openai-error-envelope.js";

/**
 * The admin API under /admin (managed client keys, stored budgets and
 * limits), for admin keys only: client keys with projects `*` from the
 * environment or the config file. A managed key is never an admin key, even
 * one for every project: a leaked managed key must not mint others.
 * Errors use the /v1 envelope.
 */
export async function registerAdminRoutes(app: FastifyInstance, gateway: Gateway): Promise<void> {
  await app.register(
    async (scope) => {
      useOpenAiErrorEnvelope(scope, { fastifyErrorParam: "body" });
      // rotate and revoke take no body: one sent empty with a JSON content type (as some clients do)
      // is no body, not a parse error. Anything else gets Fastify's parser, prototype poisoning refused.
      const parseJson = scope.getDefaultJsonParser("error", "error");
      scope.removeContentTypeParser("application/json");
      scope.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
        const text = body.toString();
        if (text === "") return done(null, undefined);
        return parseJson(request, text, done);
      });
      scope.addHook("onRequest", async (request, reply) => refuseNonAdmin(gateway, request, reply));
      registerKeyRoutes(scope, gateway);
      registerBudgetRoutes(scope, gateway);
      // Built on its first read, not at start-up (converting the schemas takes about 10 ms).
      let openApi: ReturnType<typeof adminOpenApiDocument> | undefined;
      scope.get("/openapi.json", async () => {
        openApi ??= adminOpenApiDocument(gateway.version);
        return openApi;
      });
    },
    { prefix: "/admin" },
  );
}

function refuseNonAdmin(gateway: Gateway, request: FastifyRequest, reply: FastifyReply) {
  // Authentication already answered 401 to a request without a valid key when keys are configured.
  const message = !gateway.clientKeys.enabled
    ? 'The admin API needs an admin key, and no client key is configured: add one with projects "*" (LLM_GATEWAY_API_KEYS=<key>=* or client_keys in the config file).'
    : !isAdmin(request)
      ? gateway.clientKeys.hasAdminKey
        ? 'This client key is not an admin key: the admin API needs a key with projects "*" from LLM_GATEWAY_API_KEYS or the config file.'
        : 'The admin API needs an admin key, and none is configured: add a client key with projects "*" (LLM_GATEWAY_API_KEYS=<key>=* or client_keys in the config file).'
      : undefined;
  if (message === undefined) return;
  request.errorCode = "GW_ERR_ADMIN_ONLY";
  return reply.code(403).send(openAiErrorBody("GW_ERR_ADMIN_ONLY", message));
}

function isAdmin(request: FastifyRequest): boolean {
  const principal = request.principal;
  return principal !== undefined && principal.projects === "*" && principal.keyId === undefined;
}

/** The admin key's name, for the audit line each write logs. */
function adminName(request: FastifyRequest): string {
  return request.principal?.keyName ?? "unknown";
}

function registerKeyRoutes(scope: FastifyInstance, gateway: Gateway): void {
  const { admin } = gateway;
  const isKnown = (name: string) => gateway.isKnownModel(name);
  const createSchema = createKeyBodySchema(isKnown);
  const updateSchema = updateKeyBodySchema(isKnown);
  const view = (entry: AdminKey) => keyView(entry, admin.spend, Date.now());
  const managed = (key: ManagedKey) => view({ source: "admin", key });

  scope.get("/keys", async (request) => {
    const query = parseAdminInput(listKeysQuerySchema, request.query, "query");
    return { data: await Promise.all(admin.listKeys(query.include_revoked === "true").map(view)) };
  });

  scope.post("/keys", async (request, reply) => {
    const body = parseAdminInput(createSchema, request.body, "body");
    const created = await admin.createKey(
      {
        name: body.name,
        projects: body.projects,
        ...(body.agents ? { agents: body.agents } : {}),
        ...(body.models ? { models: body.models } : {}),
        limits: keyLimits(body.budget, body.limits),
        ...(body.expires_at !== undefined ? { expiresAtMs: Date.parse(body.expires_at) } : {}),
        metadata: body.metadata ?? {},
      },
      adminName(request),
    );
    return reply.code(201).send({ key: await managed(created.key), secret: created.secret });
  });

  scope.get<{ Params: { id: string } }>("/keys/:id", async (request) =>
    view(admin.getKey(request.params.id)),
  );

  scope.patch<{ Params: { id: string } }>("/keys/:id", async (request) => {
    const body = parseAdminInput(updateSchema, request.body, "body");
    const changes: KeyChanges = {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.projects !== undefined ? { projects: body.projects } : {}),
      ...(body.agents !== undefined ? { agents: body.agents } : {}),
      ...(body.models !== undefined ? { models: body.models } : {}),
      ...(body.expires_at !== undefined
        ? { expiresAtMs: body.expires_at === null ? null : Date.parse(body.expires_at) }
        : {}),
      ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
    };
    const limits: LimitChanges = {
      ...(body.budget === null
        ? { dailyUsd: null, monthlyUsd: null }
        : definedChanges({ dailyUsd: body.budget?.daily_usd, monthlyUsd: body.budget?.monthly_usd })),
      ...(body.limits === null
        ? { requestsPerMinute: null, tokensPerMinute: null }
        : definedChanges({
            requestsPerMinute: body.limits?.requests_per_minute,
            tokensPerMinute: body.limits?.tokens_per_minute,
          })),
    };
    if (Object.keys(limits).length > 0) changes.limits = limits;
    return managed(await admin.updateKey(request.params.id, changes, adminName(request)));
  });

  scope.post<{ Params: { id: string } }>("/keys/:id/rotate", async (request) => {
    const rotated = await admin.rotateKey(request.params.id, adminName(request));
    return { key: await managed(rotated.key), secret: rotated.secret };
  });

  const revoke = async (request: FastifyRequest<{ Params: { id: string } }>) =>
    managed(await admin.revokeKey(request.params.id, adminName(request)));
  scope.post<{ Params: { id: string } }>("/keys/:id/revoke", revoke);
  scope.delete<{ Params: { id: string } }>("/keys/:id", revoke);
}

function registerBudgetRoutes(scope: FastifyInstance, gateway: Gateway): void {
  const { admin } = gateway;
  type Params = { project: string; agent?: string };
  const paramsSchema = z.strictObject({ project: projectIdSchema, agent: agentIdSchema.optional() });
  const target = (params: Params) => {
    const parsed = parseAdminInput(paramsSchema, params, "path");
    return { projectId: parsed.project, agentId: parsed.agent };
  };

  scope.get("/budgets", async (request) => {
    const query = parseAdminInput(listBudgetsQuerySchema, request.query, "query");
    return { data: (await admin.budgetEntries(query.project)).map(budgetEntryView) };
  });

  const put = async (request: FastifyRequest<{ Params: Params }>) => {
    const { projectId, agentId } = target(request.params);
    const body = parseAdminInput(setLimitsBodySchema, request.body, "body");
    const changes = definedChanges({
      dailyUsd: body.daily_usd,
      monthlyUsd: body.monthly_usd,
      requestsPerMinute: body.requests_per_minute,
      tokensPerMinute: body.tokens_per_minute,
    });
    return budgetEntryView(await admin.setLimits(projectId, agentId, changes, adminName(request)));
  };
  const remove = async (request: FastifyRequest<{ Params: Params }>) => {
    const { projectId, agentId } = target(request.params);
    return budgetEntryView(await admin.deleteLimits(projectId, agentId, adminName(request)));
  };
  scope.put<{ Params: Params }>("/budgets/projects/:project", put);
  scope.put<{ Params: Params }>("/budgets/projects/:project/agents/:agent", put);
  scope.delete<{ Params: Params }>("/budgets/projects/:project", remove);
  scope.delete<{ Params: Params }>("/budgets/projects/:project/agents/:agent", remove);
}

function keyLimits(
  budget: { daily_usd?: number | undefined; monthly_usd?: number | undefined } | undefined,
  limits: { requests_per_minute?: number | undefined; tokens_per_minute?: number | undefined } | undefined,
): KeyLimits {
  return definedChanges({
    dailyUsd: budget?.daily_usd,
    monthlyUsd: budget?.monthly_usd,
    requestsPerMinute: limits?.requests_per_minute,
    tokensPerMinute: limits?.tokens_per_minute,
  }) as KeyLimits;
}

/** Drops the fields left out (undefined); keeps `null`, which clears. */
function definedChanges(changes: LimitChanges): LimitChanges {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
}
