import { z } from "zod";
import {
  budgetEntrySchema,
  createKeyBodySchema,
  errorBodySchema,
  keyViewSchema,
  keyWithSecretSchema,
  setLimitsBodySchema,
  updateKeyBodySchema,
} from "./admin-schemas.js";

type JsonObject = Record<string, unknown>;

/** A zod schema as an OpenAPI 3.1 schema object (JSON Schema 2020-12 without its `$schema` line). */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonObject;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonObject) => ({ content: { "application/json": { schema } } });
const answer = (description: string, schema: JsonObject) => ({ description, ...json(schema) });
const errors = {
  "400": answer("A field is invalid: `param` names it", ref("Error")),
  "401": answer("No client key, or not a valid one", ref("Error")),
  "403": answer("Not an admin key (GW_ERR_ADMIN_ONLY)", ref("Error")),
};
const keyErrors = {
  ...errors,
  "404": answer("No key has this id (GW_ERR_UNKNOWN_KEY)", ref("Error")),
  "409": answer("A key from the environment or config file (GW_ERR_CONFIG_KEY)", ref("Error")),
};
const idParameter = { name: "id", in: "path", required: true, schema: { type: "string" } };
const projectParameter = { name: "project", in: "path", required: true, schema: { type: "string" } };
const agentParameter = { name: "agent", in: "path", required: true, schema: { type: "string" } };

/**
 * The admin API's OpenAPI 3.1 document, generated from the same zod schemas
 * that parse its requests (and that the tests check its answers against).
 */
export function adminOpenApiDocument(version: string): JsonObject {
  const anyModel = () => true;
  const limitsOperations = (parameters: JsonObject[], who: string) => ({
    parameters,
    put: {
      summary: `Sets stored budget and limits of ${who} (null clears a stored field; a field left out is unchanged)`,
      requestBody: { required: true, ...json(ref("SetLimits")) },
      responses: { "200": answer("The budget and limits now in force", ref("BudgetEntry")), ...errors },
    },
    delete: {
      summary: `Removes the stored budget and limits of ${who} (the config's apply again)`,
      responses: { "200": answer("The budget and limits now in force", ref("BudgetEntry")), ...errors },
    },
  });
  return {
    openapi: "3.1.0",
    info: {
      title: "llm-gateway admin API",
      version,
      description:
        'Managed client keys and stored budgets and limits. Every route needs an admin key (a client key with projects "*" from the environment or config file), as `Authorization: Bearer <key>` or `x-api-key`.',
    },
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer" },
        apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
      },
      schemas: {
        CreateKey: jsonSchema(createKeyBodySchema(anyModel), "input"),
        UpdateKey: jsonSchema(updateKeyBodySchema(anyModel), "input"),
        SetLimits: jsonSchema(setLimitsBodySchema, "input"),
        KeyView: jsonSchema(keyViewSchema, "output"),
        KeyWithSecret: jsonSchema(keyWithSecretSchema, "output"),
        BudgetEntry: jsonSchema(budgetEntrySchema, "output"),
        Error: jsonSchema(errorBodySchema, "output"),
      },
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths: {
      "/admin/keys": {
        get: {
          summary: "Lists managed keys (oldest first), then keys from the environment or config file",
          parameters: [
            {
              name: "include_revoked",
              in: "query",
              required: false,
              schema: { type: "string", enum: ["true", "false"] },
            },
          ],
          responses: {
            "200": answer("The keys", {
              type: "object",
              properties: { data: { type: "array", items: ref("KeyView") } },
              required: ["data"],
            }),
            ...errors,
          },
        },
        post: {
          summary: "Creates a key; its secret is in this answer only",
          requestBody: { required: true, ...json(ref("CreateKey")) },
          responses: { "201": answer("The key and its secret", ref("KeyWithSecret")), ...errors },
        },
      },
      "/admin/keys/{id}": {
        parameters: [idParameter],
        get: { summary: "One key", responses: { "200": answer("The key", ref("KeyView")), ...keyErrors } },
        patch: {
          summary: "Changes a key (null clears an optional field; a field left out is unchanged)",
          requestBody: { required: true, ...json(ref("UpdateKey")) },
          responses: { "200": answer("The key as changed", ref("KeyView")), ...keyErrors },
        },
        delete: {
          summary: "Revokes a key (as POST /admin/keys/{id}/revoke)",
          responses: { "200": answer("The revoked key", ref("KeyView")), ...keyErrors },
        },
      },
      "/admin/keys/{id}/rotate": {
        parameters: [idParameter],
        post: {
          summary:
            "Gives the key a new secret; the old one is refused from now on, on every replica within 1 s",
          responses: { "200": answer("The key and its new secret", ref("KeyWithSecret")), ...keyErrors },
        },
      },
      "/admin/keys/{id}/revoke": {
        parameters: [idParameter],
        post: {
          summary: "Revokes a key: refused on every door and replica within 1 s; revoking twice is fine",
          responses: { "200": answer("The revoked key", ref("KeyView")), ...keyErrors },
        },
      },
      "/admin/budgets": {
        get: {
          summary:
            "Every project and agent with a budget or limit (config or stored), then every managed key with one",
          parameters: [{ name: "project", in: "query", required: false, schema: { type: "string" } }],
          responses: {
            "200": answer("The entries", {
              type: "object",
              properties: { data: { type: "array", items: ref("BudgetEntry") } },
              required: ["data"],
            }),
            ...errors,
          },
        },
      },
      "/admin/budgets/projects/{project}": limitsOperations([projectParameter], "a project"),
      "/admin/budgets/projects/{project}/agents/{agent}": limitsOperations(
        [projectParameter, agentParameter],
        "an agent of a project",
      ),
      "/admin/openapi.json": {
        get: { summary: "This document", responses: { "200": { description: "OpenAPI 3.1" }, ...errors } },
      },
    },
  };
}
