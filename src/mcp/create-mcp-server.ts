import { McpServer } from "@modelcontextprotocol/server";
import type { Gateway } from "../gateway/gateway.js";
import type { Principal } from "../gateway/principal.js";
import { registerConversationResource } from "./conversation-resource.js";
import { registerKeptResultResource } from "./kept-result-resource.js";
import type { McpCallIds } from "./tool-schemas.js";
import { registerCancelJobTool } from "./tools/cancel-job-tool.js";
import { registerChatCompletionTool } from "./tools/chat-completion-tool.js";
import { registerCountTokensTool } from "./tools/count-tokens-tool.js";
import { registerCreateEmbeddingsTool } from "./tools/create-embeddings-tool.js";
import { registerGetJobTool } from "./tools/get-job-tool.js";
import { registerGetUsageTool } from "./tools/get-usage-tool.js";
import { registerListConversationsTool } from "./tools/list-conversations-tool.js";
import { registerListModelsTool } from "./tools/list-models-tool.js";

/**
 * The MCP server with the gateway's tools and conversation resources, no transport: HTTP and stdio
 * both serve it. `principal` is the client key's holder (HTTP with keys);
 * `callSignal` aborts the call when the client cancels it (HTTP); `callIds` are the ids of the
 * HTTP request carrying a single tools/call, which that call's usage record and log line take.
 */
export function createMcpServer(
  gateway: Gateway,
  principal?: Principal,
  callSignal?: AbortSignal,
  callIds?: McpCallIds,
): McpServer {
  const server = new McpServer(
    { name: "llm-gateway", version: gateway.version },
    {
      capabilities: { tools: {}, resources: {} },
      instructions:
        "One door to every LLM: call chat_completion with a model_group (reasoning, code, fast, vision) and your project_id/agent_id; the gateway fails over between providers and books usage. list_models shows the chains, get_usage the spend.",
    },
  );
  registerChatCompletionTool(server, gateway, principal, callSignal, callIds);
  registerCountTokensTool(server, gateway, principal);
  registerListModelsTool(server, gateway, principal);
  registerGetUsageTool(server, gateway, principal);
  registerCreateEmbeddingsTool(server, gateway, principal, callSignal, callIds);
  registerListConversationsTool(server, gateway, principal);
  registerGetJobTool(server, gateway, principal);
  registerCancelJobTool(server, gateway, principal);
  registerConversationResource(server, gateway, principal);
  registerKeptResultResource(server, gateway, principal);
  return server;
}
