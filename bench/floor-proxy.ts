import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";

/*
 * The floor: the thinnest Node proxy worth the name. One keep-alive undici
 * pool to the upstream; the request body piped up, the answer piped down,
 * nothing parsed. What a Node gateway can approach, never beat.
 */
const upstream = process.argv[2];
if (!upstream) throw new Error("usage: floor-proxy <upstream origin>");
const pool = new Pool(upstream, { connections: 256, pipelining: 1 });

const hopByHop = new Set(["connection", "keep-alive", "transfer-encoding", "host", "upgrade"]);

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !hopByHop.has(name)) kept[name] = value;
  }
  return kept;
}

const server = createServer({ noDelay: true }, (request, response) => {
  // undici's stream() writes the upstream body straight into the response: the cheapest pipe it has.
  pool
    .stream(
      {
        method: request.method as "POST",
        path: request.url ?? "/",
        headers: forwardable(request.headers),
        body: request,
      },
      ({ statusCode, headers }) => {
        response.writeHead(statusCode, forwardable(headers));
        return response;
      },
    )
    .catch(() => {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on("disconnect", () => process.exit(0));
