import { type McpServer, ResourceNotFoundError, ResourceTemplate } from "@modelcontextprotocol/server";
import { isGatewayError } from "../core/gateway-error.js";
import type { Gateway } from "../gateway/gateway.js";
import { nanoUsdToUsd } from "../usage/compute-cost.js";
import { mcpRequestAuth } from "./mcp-request-auth.js";

const uriPrefix = "llm-gateway://conversations/";

export function conversationUri(id: string): string {
  return `${uriPrefix}${encodeURIComponent(id)}`;
}

/**
 * Each conversation as a resource, readable by keys that may act for its
 * project; no listing (list_conversations does that, per project).
 */
export function registerConversationResource(server: McpServer, gateway: Gateway): void {
  server.registerResource(
    "conversation",
    new ResourceTemplate(`${uriPrefix}{id}`, { list: undefined }),
    { title: "Conversation", description: "A stored conversation's turns", mimeType: "application/json" },
    async (uri, variables, ctx) => {
      const id = decodeURIComponent(String(variables.id ?? ""));
      try {
        const stored = await gateway.readConversation(id, mcpRequestAuth(ctx).principal);
        const document = {
          conversation_id: stored.id,
          project_id: stored.projectId,
          model: stored.model,
          total_tokens: stored.tokens,
          cost_usd: nanoUsdToUsd(stored.costNanoUsd),
          created_at: new Date(stored.createdAtMs).toISOString(),
          updated_at: new Date(stored.updatedAtMs).toISOString(),
          turns: stored.turns.map((turn) => turn.messages),
        };
        return {
          contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(document) }],
        };
      } catch (error) {
        if (isGatewayError(error) && error.code === "GW_ERR_UNKNOWN_CONVERSATION") {
          throw new ResourceNotFoundError(uri.href, error.message);
        }
        throw error;
      }
    },
  );
}
