import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { Gateway } from "../../gateway/gateway.js";
import { nanoUsdToUsd } from "../../usage/compute-cost.js";
import { conversationUri } from "../conversation-resource.js";
import { mcpRequestAuth } from "../mcp-request-auth.js";
import { memoizeJsonSchema } from "../memoize-json-schema.js";
import { toolFailure, toolSuccess } from "../tool-result.js";
import { callerShape } from "../tool-schemas.js";

const inputSchema = memoizeJsonSchema(
  z.object({ project_id: callerShape.project_id, limit: z.number().int().min(1).max(100).default(20) }),
);

const outputSchema = memoizeJsonSchema(
  z.object({
    conversations: z.array(
      z.object({
        conversation_id: z.string(),
        model: z.string(),
        turns: z.number(),
        total_tokens: z.number(),
        cost_usd: z.number(),
        updated_at: z.string(),
        uri: z.string(),
      }),
    ),
  }),
);

export function registerListConversationsTool(server: McpServer, gateway: Gateway): void {
  server.registerTool(
    "list_conversations",
    {
      title: "List conversations",
      description: "The project's live conversations, newest first; read one at its uri.",
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false, idempotentHint: true },
    },
    async (args, ctx) => {
      try {
        const summaries = await gateway.listConversations(
          args.project_id,
          mcpRequestAuth(ctx).principal,
          args.limit,
        );
        const conversations = summaries.map((summary) => ({
          conversation_id: summary.id,
          model: summary.model,
          turns: summary.turnCount,
          total_tokens: summary.tokens,
          cost_usd: nanoUsdToUsd(summary.costNanoUsd),
          updated_at: new Date(summary.updatedAtMs).toISOString(),
          uri: conversationUri(summary.id),
        }));
        const lines = conversations.map(
          (entry) =>
            `${entry.conversation_id}: ${entry.turns} turns, last ${entry.model}, ${entry.total_tokens} tokens, $${entry.cost_usd}, ${entry.updated_at}`,
        );
        return toolSuccess({ conversations }, lines.join("\n") || "No conversations.");
      } catch (error) {
        return toolFailure(error, gateway.logger);
      }
    },
  );
}
