import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import {
  type AuthInfo,
  classifyInboundRequest,
  type JSONRPCRequest,
  type McpServer,
  parseJSONRPCMessage,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "@modelcontextprotocol/server";
import { ExchangeTransport } from "./exchange-transport.js";

interface Connected {
  server: McpServer;
  transport: ExchangeTransport;
}

/**
 * Serves 2025 clients' stateless `tools/call` POSTs with servers built and connected once and
 * used again, one request at a time each. The SDK's stateless serving builds a server, a
 * transport and a web Request/Response pair for every POST, which cost an MCP call more CPU
 * than the call itself (issue 21). A server carries nothing of a caller between requests:
 * tools read who calls from their request (`mcpRequestAuth`), a tools/call leaves no state on
 * the instance (no initialize reaches these servers), and a server whose response closed
 * before its answer (its handler may still run) is dropped, never used again.
 */
export class StatelessCallPool {
  readonly #idle: Connected[] = [];
  #closed = false;

  constructor(
    private readonly build: () => McpServer,
    /** Idle servers kept for the next calls; more at once are built and dropped after. */
    private readonly maxIdle = 64,
  ) {}

  /**
   * The message to serve here, as the SDK's transport would hand it to the server, when the
   * SDK would serve it statelessly as a 2025 request and answer it over SSE; undefined when
   * the SDK must answer it itself (a 2026-07-28 request, or one it refuses: 406, 400).
   */
  static servable(headers: IncomingHttpHeaders, message: unknown): JSONRPCRequest | undefined {
    const accept = headers.accept;
    if (!accept?.includes("application/json") || !accept.includes("text/event-stream")) return undefined;
    const version = singleHeader(headers["mcp-protocol-version"]);
    if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return undefined;
    const route = classifyInboundRequest({
      httpMethod: "POST",
      ...(version !== undefined ? { protocolVersionHeader: version } : {}),
      ...optionalHeader("mcpMethodHeader", headers["mcp-method"]),
      ...optionalHeader("mcpNameHeader", headers["mcp-name"]),
      body: message,
    });
    if (route.kind !== "legacy") return undefined;
    let parsed: ReturnType<typeof parseJSONRPCMessage>;
    try {
      parsed = parseJSONRPCMessage(message);
    } catch {
      return undefined;
    }
    return "method" in parsed && "id" in parsed ? (parsed as JSONRPCRequest) : undefined;
  }

  /** Answers one request on `response` with an idle server, or a new one. */
  async serve(
    request: JSONRPCRequest,
    response: ServerResponse,
    authInfo: AuthInfo | undefined,
  ): Promise<void> {
    const connected = this.#idle.pop() ?? (await this.#connect());
    const answered = await connected.transport.serve(request, response, authInfo);
    if (!answered) return;
    if (!this.#closed && this.#idle.length < this.maxIdle) this.#idle.push(connected);
    else await connected.server.close();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#idle.splice(0).map((connected) => connected.server.close()));
  }

  async #connect(): Promise<Connected> {
    const server = this.build();
    const transport = new ExchangeTransport();
    await server.connect(transport);
    return { server, transport };
  }
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function optionalHeader<Name extends string>(
  name: Name,
  value: string | string[] | undefined,
): { [key in Name]?: string } {
  const single = singleHeader(value);
  return (single === undefined ? {} : { [name]: single }) as { [key in Name]?: string };
}
