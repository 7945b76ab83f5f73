import { hostHeaderValidation, originValidation, toNodeHandler } from "@modelcontextprotocol/node";
import { createMcpHandler, type Tool } from "@modelcontextprotocol/server";
import type { FastifyInstance } from "fastify";
import type { Gateway } from "../../gateway/gateway.js";
import { createMcpServer } from "../../mcp/create-mcp-server.js";
import { listToolDefinitions } from "../../mcp/list-tool-definitions.js";
import { principalFromAuthInfo } from "../plugins/authenticate.js";

/**
 * `/mcp`: MCP Streamable HTTP through the official SDK, which serves spec
 * 2026-07-28 and, statelessly, 2025 clients (GET/DELETE answer 405 as the
 * spec allows a server without sessions). The SDK reads the body itself, so
 * this scope leaves it unparsed: malformed JSON becomes a JSON-RPC -32700,
 * a wrong content type a 415, an oversized body a 413.
 */
export async function registerMcpRoutes(app: FastifyInstance, gateway: Gateway): Promise<void> {
  const { config } = gateway;
  const handler = createMcpHandler(
    (context) => createMcpServer(gateway, principalFromAuthInfo(context.authInfo)),
    {
      maxRequestBodySize: config.bodyLimitBytes,
      onerror: (error) => gateway.logger.warn({ err: error }, "MCP request rejected"),
    },
  );
  const serve = toNodeHandler(handler, {
    maxRequestBodySize: config.bodyLimitBytes,
    onerror: (error) => gateway.logger.error({ err: error }, "MCP handler failed"),
  });
  const validateHost =
    config.allowedHosts.length > 0 ? hostHeaderValidation(config.allowedHosts) : () => true;
  const validateOrigin = originValidation(config.allowedOrigins);

  let toolList: Promise<Tool[]> | undefined;
  app.get("/mcp/tools", async () => {
    toolList ??= listToolDefinitions(gateway);
    return { tools: await toolList };
  });

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));
    scope.route({
      method: ["GET", "POST", "DELETE"],
      url: "/mcp",
      handler: async (request, reply) => {
        reply.hijack();
        reply.raw.setHeader("x-request-id", request.id);
        // A refusal (403) closes the connection, as every refusal does (plugins/close-refused-connections).
        reply.raw.setHeader("connection", "close");
        if (!validateHost(request.raw, reply.raw) || !validateOrigin(request.raw, reply.raw)) return;
        reply.raw.removeHeader("connection");
        await serve(request.raw, reply.raw);
      },
    });
  });
  app.addHook("onClose", async () => {
    await handler.close();
  });
}
