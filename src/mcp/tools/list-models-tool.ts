import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { identifierSchema } from "../../core/chat-schema.js";
import type { Gateway } from "../../gateway/gateway.js";
import { mcpRequestAuth } from "../mcp-request-auth.js";
import { memoizeJsonSchema } from "../memoize-json-schema.js";
import { toolFailure, toolSuccess } from "../tool-result.js";
import { assertMcpCallerAllowed, callerShape } from "../tool-schemas.js";

const inputSchema = memoizeJsonSchema(
  z.object({
    ...callerShape,
    model_group: identifierSchema
      .optional()
      .describe("Only this group (reasoning, code, fast, vision, embedding, ...)."),
  }),
);

const listedModelSchema = z.object({
  model: z.string(),
  provider: z.string(),
  available: z.boolean().describe("the provider's API key is configured"),
  circuit: z.enum(["closed", "open", "half_open"]),
  context_window: z.number(),
  max_output_tokens: z.number(),
  price_per_mtok: z.object({
    input: z.number(),
    output: z.number(),
    cached_input: z.number(),
    cache_write: z.number(),
  }),
  deployments: z.array(
    z.object({
      provider: z.string(),
      provider_model_id: z.string(),
      available: z.boolean(),
      circuit: z.enum(["closed", "open", "half_open"]),
      weight: z.number(),
      in_flight: z.number(),
      ttft_ms: z.number().nullable(),
      served: z.number(),
      traffic_share: z.number(),
      rate_limited_until: z.string().nullable(),
    }),
  ),
});

const outputSchema = memoizeJsonSchema(
  z.object({
    groups: z.array(z.object({ name: z.string(), models: z.array(listedModelSchema) })),
    other_models: z
      .array(listedModelSchema)
      .optional()
      .describe("catalog models in no group, callable by `model`"),
  }),
  {
    // Listed once: the entries are shaped as a group's.
    other_models: {
      type: "array",
      items: { type: "object" },
      description: "catalog models in no group, callable by `model`; entries shaped as groups[].models[]",
    },
    // Named rather than listed: the tool list's tokens are every client's context.
    deployments: {
      type: "array",
      items: { type: "object" },
      description:
        "the platforms serving the model, balanced within its chain step: {provider, provider_model_id, available, circuit, weight, in_flight, ttft_ms, served, traffic_share, rate_limited_until}",
    },
  },
);

export function registerListModelsTool(server: McpServer, gateway: Gateway): void {
  server.registerTool(
    "list_models",
    {
      title: "List model groups",
      description:
        "Lists every model group with its failover chain, and the catalog's other models: each model's provider, whether its key is configured, circuit state, context window, max output, price per million tokens (USD) and deployments.",
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false, idempotentHint: true },
    },
    async (args, ctx) => {
      try {
        assertMcpCallerAllowed(args, mcpRequestAuth(ctx).principal);
        const listing = await gateway.listModels(args.model_group);
        const lines = listing.groups.map(
          (group) =>
            `${group.name}: ${group.models
              .map(
                (m) =>
                  `${m.model} (${m.deployments.map((d) => d.provider).join(" + ")}${m.available ? "" : ", no key"}${m.circuit === "closed" ? "" : `, ${m.circuit}`})`,
              )
              .join(" -> ")}`,
        );
        if (listing.other_models?.length) {
          lines.push(`other models: ${listing.other_models.map((m) => m.model).join(", ")}`);
        }
        return toolSuccess(listing, lines.join("\n"));
      } catch (error) {
        return toolFailure(error, gateway.logger);
      }
    },
  );
}
