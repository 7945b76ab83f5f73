import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { identifierSchema } from "../../core/chat-schema.js";
import type { Gateway } from "../../gateway/gateway.js";
import { mcpRequestAuth } from "../mcp-request-auth.js";
import { memoizeJsonSchema } from "../memoize-json-schema.js";
import { toolFailure, toolSuccess } from "../tool-result.js";
import {
  attemptSchema,
  callAbortSignal,
  callerShape,
  mcpCaller,
  spendingToolAnnotations,
} from "../tool-schemas.js";

const inputSchema = memoizeJsonSchema(
  z.object({
    ...callerShape,
    input: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1).max(2048)])
      .describe("Text or texts to embed."),
    model_group: identifierSchema.optional().describe("Embedding group (default embedding)."),
    model: z.string().min(1).max(128).optional().describe("A concrete embedding model instead of a group."),
    dimensions: z.number().int().positive().max(16_384).optional(),
  }),
);

const outputSchema = memoizeJsonSchema(
  z.object({
    model: z.string(),
    provider: z.string(),
    embeddings: z.array(z.array(z.number())),
    usage: z.object({ input_tokens: z.number(), total_tokens: z.number() }),
    cost_usd: z.number(),
    latency_ms: z.number(),
    attempts: z.array(attemptSchema),
  }),
);

export function registerCreateEmbeddingsTool(server: McpServer, gateway: Gateway): void {
  server.registerTool(
    "create_embeddings",
    {
      title: "Create embeddings",
      description:
        "Embeds one text or many with the first healthy model of an embedding group (default embedding), failing over down the chain. Returns the vectors, usage and cost, booked to project_id/agent_id.",
      inputSchema,
      outputSchema,
      annotations: spendingToolAnnotations,
    },
    async (args, ctx) => {
      try {
        const handOver = mcpRequestAuth(ctx);
        const caller = mcpCaller(args, handOver);
        const result = await gateway.embed(
          {
            input: typeof args.input === "string" ? [args.input] : args.input,
            modelGroup: args.model_group,
            model: args.model,
            dimensions: args.dimensions,
          },
          caller,
          callAbortSignal(ctx.mcpReq.signal, handOver.callSignal),
        );
        return toolSuccess(
          result,
          `${result.embeddings.length} embedding(s) of ${result.embeddings[0]?.length ?? 0} dimensions from ${result.model} via ${result.provider}, ${result.usage.input_tokens} tokens, $${result.cost_usd}`,
        );
      } catch (error) {
        return toolFailure(error, gateway.logger);
      }
    },
  );
}
