import { McpServer } from "@modelcontextprotocol/server";
import type { Gateway } from "../gateway/gateway.js";
import { registerConversationResource } from "./conversation-resource.js";
import { registerKeptResultResource } from "./kept-result-resource.js";
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
 * both serve it. It holds nothing of any one caller: each handler reads who calls, and the
 * HTTP door's cancellation and ids of the call, from its request (`mcpRequestAuth`), so one
 * instance may serve many requests, one after another.
 */
export function createMcpServer(gateway: Gateway): McpServer {
  const server = new McpServer(
    { name: "llm-gateway", version: gateway.version },
    {
      capabilities: { tools: {}, resources: {} },
      instructions:
        "One door to every LLM: call chat_completion with a model_group (reasoning, code, fast, vision) and your project_id/agent_id; the gateway fails over between providers and books usage. list_models shows the chains, get_usage the spend.",
    },
  );
  registerChatCompletionTool(server, gateway);
  registerCountTokensTool(server, gateway);
  registerListModelsTool(server, gateway);
  registerGetUsageTool(server, gateway);
  registerCreateEmbeddingsTool(server, gateway);
  registerListConversationsTool(server, gateway);
  registerGetJobTool(server, gateway);
  registerCancelJobTool(server, gateway);
  registerConversationResource(server, gateway);
  registerKeptResultResource(server, gateway);
  return server;
}
