import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { JSONRPCMessage, JSONRPCRequest } from "@modelcontextprotocol/server";
import { afterEach, describe, expect, it } from "vitest";
import { ExchangeTransport } from "./exchange-transport.js";

const ping: JSONRPCRequest = { jsonrpc: "2.0", id: 7, method: "ping" };
const answer: JSONRPCMessage = { jsonrpc: "2.0", id: 7, result: {} };

/**
 * A server whose every POST is one exchange answered after `answerAfterMs`. It counts the writes
 * that reach the socket's handle (`_write`, or `_writev` for what was corked together), not the
 * `write` calls a chunked body makes per chunk.
 */
async function serveAnsweringAfter(answerAfterMs: number): Promise<{ server: Server; writes: () => number }> {
  let writes = 0;
  const server = createServer((_request, response) => {
    const socket = response.socket as unknown as Record<"_write" | "_writev", (...args: unknown[]) => void>;
    for (const method of ["_write", "_writev"] as const) {
      const write = socket[method].bind(socket);
      socket[method] = (...args: unknown[]) => {
        writes++;
        write(...args);
      };
    }
    const transport = new ExchangeTransport();
    transport.onmessage = () => {
      setTimeout(() => void transport.send(answer), answerAfterMs);
    };
    void transport.serve(ping, response, undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, writes: () => writes };
}

/** When the head and the body reached the client, in ms after the request was sent. */
async function timings(server: Server): Promise<{ headMs: number; bodyMs: number; body: string }> {
  const { port } = server.address() as AddressInfo;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = request({ port, host: "127.0.0.1", method: "POST", agent: false }, (incoming) => {
      const headMs = performance.now() - started;
      let body = "";
      incoming.setEncoding("utf8");
      incoming.on("data", (chunk: string) => {
        body += chunk;
      });
      incoming.on("end", () => resolve({ headMs, bodyMs: performance.now() - started, body }));
    });
    outgoing.on("error", reject);
    outgoing.end();
  });
}

describe("ExchangeTransport", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it("sends a quick answer with its head in one write", async () => {
    const served = await serveAnsweringAfter(1);
    server = served.server;
    const { body } = await timings(server);
    expect(body).toBe(`event: message\ndata: ${JSON.stringify(answer)}\n\n`);
    expect(served.writes()).toBe(1);
  });

  it("starts a slow answer's response long before the answer", async () => {
    const served = await serveAnsweringAfter(600);
    server = served.server;
    const { headMs, bodyMs, body } = await timings(server);
    expect(body).toContain('"id":7');
    expect(headMs).toBeLessThan(300);
    expect(bodyMs).toBeGreaterThanOrEqual(590);
    expect(served.writes()).toBe(2);
  });
});
