import type { ServerResponse } from "node:http";
import type {
  AuthInfo,
  JSONRPCMessage,
  JSONRPCRequest,
  MessageExtraInfo,
  Transport,
  TransportSendOptions,
} from "@modelcontextprotocol/server";

/**
 * The head the SDK's stateless transport (`WebStandardStreamableHTTPServerTransport`) answers a
 * request with, as `toNodeHandler` writes it (web `Headers` lower-case and sort the names).
 */
const eventStreamHead = {
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "content-type": "text/event-stream",
  "x-accel-buffering": "no",
};

/** The SDK's SSE keep-alive: a comment this often while a response stays open (its default). */
const keepAliveMs = 15_000;

/**
 * How long the head may wait for the answer to go out with it, in one write instead of two (a
 * cache hit, a short call). Far below any client's patience for a response that has not started
 * (Claude Code's is 60 s).
 */
const headWaitMs = 20;

interface Exchange {
  readonly id: string | number;
  readonly response: ServerResponse;
  /** Frames sent before the head was written (an error the SDK answers synchronously). */
  early: string[] | undefined;
  keepAlive: NodeJS.Timeout | undefined;
  headFlush: NodeJS.Timeout | undefined;
  readonly onResponseClose: () => void;
  readonly settle: (answered: boolean) => void;
}

/**
 * A transport that stays connected to one `McpServer` and carries one HTTP exchange at a time:
 * a POST with a single JSON-RPC request, answered over SSE, byte for byte as the SDK's
 * stateless transport answers it through `toNodeHandler` (head, `event: message` frames,
 * keep-alive comments), but written straight to the Node response, without the web
 * Request/Response/ReadableStream round trip, and without a server built, connected and
 * closed per request. A response closing before the answer closes the transport, which
 * aborts the request's handler as the SDK's teardown does; that server is not used again.
 */
export class ExchangeTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  #exchange: Exchange | undefined;

  async start(): Promise<void> {}

  /**
   * Hands `request` to the server and answers it on `response`; resolves true once answered,
   * false when the response closed first (the transport is closed then).
   */
  serve(request: JSONRPCRequest, response: ServerResponse, authInfo: AuthInfo | undefined): Promise<boolean> {
    if (this.#exchange) throw new Error("ExchangeTransport carries one exchange at a time");
    return new Promise<boolean>((settle) => {
      const exchange: Exchange = {
        id: request.id,
        response,
        early: [],
        keepAlive: undefined,
        headFlush: undefined,
        onResponseClose: () => {
          if (this.#exchange === exchange) void this.close();
        },
        settle,
      };
      this.#exchange = exchange;
      response.once("close", exchange.onResponseClose);
      try {
        this.onmessage?.(request, authInfo === undefined ? undefined : { authInfo });
      } catch (error) {
        // What the SDK's transport answers a message it could not hand over.
        this.onerror?.(error as Error);
        const body = {
          jsonrpc: "2.0",
          error: { code: -32700, message: "Parse error", data: String(error) },
          id: null,
        };
        response.writeHead(400, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
        void this.close();
        return;
      }
      response.writeHead(200, eventStreamHead);
      const early = exchange.early ?? [];
      exchange.early = undefined;
      if (this.#exchange !== exchange) {
        // Answered (or closed) while being handed over.
        response.end(early.join(""));
        return;
      }
      if (early.length > 0) response.write(early.join(""));
      // Sent soon even when no frame is: a client gives up on a response that has not started.
      else exchange.headFlush = setTimeout(() => response.flushHeaders(), headWaitMs);
      exchange.keepAlive = setInterval(() => response.write(": keepalive\n\n"), keepAliveMs);
      exchange.keepAlive.unref();
    });
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const isResponse = "id" in message && ("result" in message || "error" in message);
    const relatedId = isResponse ? (message as { id: string | number }).id : options?.relatedRequestId;
    if (relatedId === undefined) {
      if (isResponse) {
        throw new Error(
          "Cannot send a response on a standalone SSE stream unless resuming a previous client request",
        );
      }
      // Stateless serving has no standalone stream: the SDK drops such a notification too.
      return;
    }
    const exchange = this.#exchange;
    if (exchange === undefined || exchange.id !== relatedId) {
      throw new Error(`No connection established for request ID: ${String(relatedId)}`);
    }
    let frame = "";
    try {
      frame = `event: message\ndata: ${JSON.stringify(message)}\n\n`;
    } catch (error) {
      this.onerror?.(error as Error);
    }
    if (!isResponse) {
      if (exchange.early) exchange.early.push(frame);
      else if (frame) {
        // The frame takes the head with it.
        clearTimeout(exchange.headFlush);
        exchange.response.write(frame);
      }
      return;
    }
    this.#detach(exchange);
    if (exchange.early) exchange.early.push(frame);
    else exchange.response.end(frame);
    exchange.settle(true);
  }

  async close(): Promise<void> {
    const exchange = this.#exchange;
    if (exchange) {
      this.#detach(exchange);
      if (!exchange.early && !exchange.response.writableEnded) exchange.response.end();
      exchange.settle(false);
    }
    this.onclose?.();
  }

  #detach(exchange: Exchange): void {
    this.#exchange = undefined;
    clearInterval(exchange.keepAlive);
    clearTimeout(exchange.headFlush);
    exchange.response.off("close", exchange.onResponseClose);
  }
}
