import type { FastifyInstance } from "fastify";
import type { Gateway } from "../../gateway/gateway.js";
import { answerRpcError } from "../mcp/answer-rpc-error.js";
import type { McpDoor } from "../mcp/mcp-door.js";

/**
 * `/mcp`: MCP Streamable HTTP through the official SDK, which serves spec
 * 2026-07-28 and, statelessly, 2025 clients (GET/DELETE answer 405 as the
 * spec allows a server without sessions). The SDK reads the body itself, so
 * this scope leaves it unparsed: malformed JSON becomes a JSON-RPC -32700,
 * a wrong content type a 415, an oversized body a 413. The SDK is loaded at
 * the first use of `/mcp` (or `/mcp/tools`): a gateway serving only `/v1`
 * never pays its start-up.
 */
export async function registerMcpRoutes(app: FastifyInstance, gateway: Gateway): Promise<void> {
  let door: Promise<McpDoor> | undefined;
  const loadDoor = () =>
    (door ??= import("../mcp/mcp-door.js").then((module) => module.createMcpDoor(gateway)));

  app.get("/mcp/tools", async () => ({ tools: await (await loadDoor()).listTools() }));

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));
    scope.route({
      method: ["GET", "POST", "DELETE"],
      url: "/mcp",
      handler: async (request, reply) => {
        reply.hijack();
        reply.raw.setHeader("x-request-id", request.id);
        try {
          await (await loadDoor()).serve(request, reply.raw);
        } catch (error) {
          // Past hijack nothing answers for us: a request must never be left hanging.
          gateway.logger.error({ err: error }, "MCP request failed in the door");
          if (!reply.raw.headersSent) answerRpcError(reply.raw, 500, null, -32603, "Internal error");
          else reply.raw.end();
        }
      },
    });
  });
  app.addHook("onClose", async () => {
    // A door that failed to load has nothing to close (its requests answered 500).
    if (door) await door.then((loaded) => loaded.close()).catch(() => undefined);
  });
}
