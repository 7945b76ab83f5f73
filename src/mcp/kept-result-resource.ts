import { type McpServer, ResourceNotFoundError, ResourceTemplate } from "@modelcontextprotocol/server";
import { isGatewayError } from "../core/gateway-error.js";
import type { Gateway } from "../gateway/gateway.js";
import { mcpRequestAuth } from "./mcp-request-auth.js";

const scheme = "llm-gateway://results/";

/** The URI a cut result links to, for `resources/read`. */
export function keptResultUri(keptId: string): string {
  return `${scheme}${keptId}`;
}

/**
 * The whole texts of cut results, readable by the project (or key) whose call
 * produced them. Not listed: each is reached through the link its result gave.
 */
export function registerKeptResultResource(server: McpServer, gateway: Gateway): void {
  server.registerResource(
    "kept_result",
    new ResourceTemplate(`${scheme}{id}`, { list: undefined }),
    { title: "A cut result, whole", mimeType: "text/plain" },
    (uri, variables, ctx) => {
      const id = String(variables.id ?? "");
      try {
        return {
          contents: [
            {
              uri: uri.href,
              mimeType: "text/plain",
              text: gateway.readKeptResult(id, mcpRequestAuth(ctx).principal),
            },
          ],
        };
      } catch (error) {
        if (isGatewayError(error)) throw new ResourceNotFoundError(uri.href, error.message);
        throw error;
      }
    },
  );
}
