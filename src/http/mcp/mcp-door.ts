import type { ServerResponse } from "node:http";
import { hostHeaderValidation, originValidation, toNodeHandler } from "@modelcontextprotocol/node";
import { type AuthInfo, createMcpHandler, isJsonContentType, type Tool } from "@modelcontextprotocol/server";
import type { FastifyRequest } from "fastify";
import type { Gateway } from "../../gateway/gateway.js";
import { createMcpServer } from "../../mcp/create-mcp-server.js";
import { listToolDefinitions } from "../../mcp/list-tool-definitions.js";
import { withCallSignal, withRequestTrace } from "../plugins/authenticate.js";
import { answerRpcError } from "./answer-rpc-error.js";
import { invalidMcpParams } from "./check-mcp-params.js";
import { flushEventStreamHead } from "./flush-event-stream-head.js";
import { readJsonBody } from "./read-json-body.js";
import { StatelessCallPool } from "./stateless-call-pool.js";

/** The MCP door's serving, built on the official SDK (loaded with this module, at the first use of /mcp). */
export interface McpDoor {
  /** One request to `/mcp`, answered on `response`. */
  serve(request: FastifyRequest, response: ServerResponse): Promise<void>;
  /** The tool list exactly as `tools/list` answers it. */
  listTools(): Promise<Tool[]>;
  close(): Promise<void>;
}

export function createMcpDoor(gateway: Gateway): McpDoor {
  const { config } = gateway;
  // The SDK's own serving builds a server per request, connected to that request's transport.
  const serverFor = () => createMcpServer(gateway);
  // A 2025 client's tools/call (every call of today's clients) is served by servers built once.
  const statelessCalls = new StatelessCallPool(serverFor);
  const handlerOptions = {
    maxRequestBodySize: config.bodyLimitBytes,
    onerror: (error: Error) => gateway.logger.warn({ err: error }, "MCP request rejected"),
  };
  const nodeOptions = {
    maxRequestBodySize: config.bodyLimitBytes,
    onerror: (error: Error) => gateway.logger.error({ err: error }, "MCP handler failed"),
  };
  const handler = createMcpHandler(serverFor, handlerOptions);
  const serve = toNodeHandler(handler, nodeOptions);
  // A tools/call answers over SSE from the start (2025 clients already get SSE): its response opens
  // at once, whatever the provider does, and progress can follow.
  const callHandler = createMcpHandler(serverFor, { ...handlerOptions, responseMode: "sse" });
  const serveCall = toNodeHandler(callHandler, nodeOptions);
  const validateHost =
    config.allowedHosts.length > 0 ? hostHeaderValidation(config.allowedHosts) : () => true;
  const validateOrigin = originValidation(config.allowedOrigins);

  let toolList: Promise<Tool[]> | undefined;

  /** One MCP HTTP request: checked and, for tools/call, registered for cancellation, then handed to the SDK. */
  async function serveMcp(request: FastifyRequest, response: ServerResponse): Promise<void> {
    // A refusal (403) closes the connection, as every refusal does (plugins/close-refused-connections).
    response.setHeader("connection", "close");
    if (!validateHost(request.raw, response) || !validateOrigin(request.raw, response)) return;
    response.removeHeader("connection");
    // Only JSON bodies are read here; the SDK answers the rest (415, 405) as the spec says.
    if (request.method !== "POST" || !isJsonContentType(request.headers["content-type"])) {
      return serve(request.raw, response);
    }
    if (request.requestTrace) withRequestTrace(request.raw, request.requestTrace);
    const body = await readJsonBody(request.raw, config.bodyLimitBytes);
    if (body.kind === "too_large")
      return answerRpcError(response, 413, null, -32600, "Request body too large");
    if (body.kind === "not_json")
      return answerRpcError(response, 400, null, -32700, `Parse error: ${body.reason}`);
    if (Array.isArray(body.value)) return serveBatch(request, response, body.value);
    if (typeof body.value !== "object" || body.value === null)
      return serve(request.raw, response, body.value);
    const message = body.value as { id?: unknown; method?: unknown; params?: { requestId?: unknown } };
    const invalid = invalidMcpParams(message);
    if (invalid) return answerRpcError(response, 200, rpcIdOf(message.id), -32602, invalid);
    const owner = request.principal?.keyName ?? "";
    if (message.method === "notifications/cancelled") {
      const requestId = message.params?.requestId;
      if (typeof requestId === "string" || typeof requestId === "number") {
        const outcome = await gateway.inFlight.cancel(owner, requestId);
        if (outcome === "ambiguous") {
          gateway.logger.warn(
            { requestId },
            "MCP cancellation matches several calls of one client key; none was cancelled",
          );
        }
      }
      return serve(request.raw, response, message);
    }
    const id = rpcIdOf(message.id);
    if (message.method !== "tools/call" || id === null) return serve(request.raw, response, message);
    const params = (message as { params?: Record<string, unknown> }).params;
    request.requestTrace?.mcpToolCall(String(params?.name ?? ""), params);
    // Registered so that a later notifications/cancelled, or the response stream closing
    // (the cancellation of the 2026-07-28 protocol), stops the call.
    const call = gateway.inFlight.start(owner, id);
    const onClose = () => {
      if (!response.writableFinished) call.abort();
    };
    response.once("close", onClose);
    // This POST carries one call: its usage record and log line take the POST's x-request-id.
    withCallSignal(request.raw, call.signal, {
      requestId: request.id,
      ...(request.clientRequestId !== undefined ? { clientRequestId: request.clientRequestId } : {}),
    });
    const servable = StatelessCallPool.servable(request.headers, message);
    try {
      if (servable) {
        await statelessCalls.serve(servable, response, (request.raw as { auth?: AuthInfo }).auth);
      } else {
        flushEventStreamHead(response);
        await serveCall(request.raw, response, message);
      }
    } finally {
      call.finish();
      response.off("close", onClose);
    }
  }

  /**
   * A JSON-RPC batch (2025-03-26 clients): if any member's params are invalid,
   * none is run and each member with an id gets an error, as the SDK would
   * answer a batch it cannot take.
   */
  async function serveBatch(
    request: FastifyRequest,
    response: ServerResponse,
    batch: unknown[],
  ): Promise<void> {
    const problems = batch.map(invalidMcpParams);
    const firstProblem = problems.find((problem) => problem !== undefined);
    if (firstProblem === undefined) return serve(request.raw, response, batch);
    const answers = batch.flatMap((member, index) => {
      const id = rpcIdOf((member as { id?: unknown } | null)?.id);
      if (id === null) return [];
      const message =
        problems[index] ?? `Not run: another message of this batch is invalid (${firstProblem})`;
      return [{ jsonrpc: "2.0", id, error: { code: -32602, message } }];
    });
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(answers));
  }

  return {
    serve: serveMcp,
    listTools: () => {
      toolList ??= listToolDefinitions(gateway);
      return toolList;
    },
    close: async () => {
      await Promise.all([handler.close(), callHandler.close(), statelessCalls.close()]);
    },
  };
}

/** A JSON-RPC id as the spec allows it (a string or a number), else null. */
function rpcIdOf(id: unknown): string | number | null {
  return typeof id === "string" || typeof id === "number" ? id : null;
}
