import { InMemoryTransport, type JSONRPCMessage, type Tool } from "@modelcontextprotocol/server";
import type { Gateway } from "../gateway/gateway.js";
import { createMcpServer } from "./create-mcp-server.js";

/**
 * The tool list exactly as MCP `tools/list` returns it, obtained by asking
 * a real server instance over an in-memory transport, so GET /mcp/tools can
 * never drift from what MCP clients see.
 */
export async function listToolDefinitions(gateway: Gateway): Promise<Tool[]> {
  const server = createMcpServer(gateway);
  const [client, serverSide] = InMemoryTransport.createLinkedPair();
  const answers = new Map<number, JSONRPCMessage>();
  const waiting = new Map<number, () => void>();
  client.onmessage = (message) => {
    if ("id" in message && typeof message.id === "number") {
      answers.set(message.id, message);
      waiting.get(message.id)?.();
    }
  };
  const call = async (id: number, method: string, params?: Record<string, unknown>) => {
    const answered = new Promise<void>((resolve) => waiting.set(id, resolve));
    await client.send({ jsonrpc: "2.0", id, method, ...(params ? { params } : {}) });
    await answered;
    return answers.get(id) as { result?: { tools?: Tool[] } };
  };
  await server.connect(serverSide);
  await client.start();
  try {
    await call(1, "initialize", {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "llm-gateway-tool-list", version: gateway.version },
    });
    await client.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    const listed = await call(2, "tools/list");
    return listed.result?.tools ?? [];
  } finally {
    await server.close();
  }
}
