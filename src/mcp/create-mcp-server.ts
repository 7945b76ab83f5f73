import { McpServer } from "@modelcontextprotocol/server";
import type { Gateway } from "../gateway/gateway.js";
import type { Principal } from "../gateway/principal.js";
import { registerKeptResultResource } from "./kept-result-resource.js";
import { registerChatCompletionTool } from "./tools/chat-completion-tool.js";
import { registerCountTokensTool } from "./tools/count-tokens-tool.js";
import { registerCreateEmbeddingsTool } from "./tools/create-embeddings-tool.js";
import { registerGetUsageTool } from "./tools/get-usage-tool.js";
import { registerListModelsTool } from "./tools/list-models-tool.js";

/**
 * The MCP server with the gateway's five tools, no transport: HTTP and stdio
 * both serve it. `principal` is the client key's holder (HTTP with keys);
 * `callSignal` aborts the call when the client cancels it (HTTP).
 */
export function createMcpServer(
  gateway: Gateway,
  principal?: Principal,
  callSignal?: AbortSignal,
): McpServer {
  const server = new McpServer(
    { name: "llm-gateway", version: gateway.version },
    {
      capabilities: { tools: {}, resources: {} },
      instructions:
        "One door to every LLM: call chat_completion with a model_group (reasoning, code, fast, vision) and your project_id/agent_id; the gateway fails over between providers and books usage. list_models shows the chains, get_usage the spend.",
    },
  );
  registerChatCompletionTool(server, gateway, principal, callSignal);
  registerCountTokensTool(server, gateway, principal);
  registerListModelsTool(server, gateway, principal);
  registerGetUsageTool(server, gateway, principal);
  registerCreateEmbeddingsTool(server, gateway, principal, callSignal);
  registerKeptResultResource(server, gateway, principal);
  return server;
}
