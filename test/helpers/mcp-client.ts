import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

/** An official MCP client connected to a gateway's /mcp over real HTTP. */
export async function connectMcp(
  baseUrl: string,
  options: { headers?: Record<string, string> } = {},
): Promise<Client> {
  const client = new Client({ name: "llm-gateway-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL("/mcp", baseUrl), {
      requestInit: { headers: options.headers ?? {} },
    }),
  );
  return client;
}

export interface ToolOutcome<T> {
  isError: boolean;
  text: string;
  structured: T;
}

/** Calls a tool and returns its structured content and text, for assertions. */
export async function callTool<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<ToolOutcome<T>> {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as Array<{ type: string; text?: string }>)
    .map((block) => block.text ?? "")
    .join("\n");
  return { isError: result.isError === true, text, structured: result.structuredContent as T };
}
