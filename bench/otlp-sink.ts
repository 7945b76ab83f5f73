import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/*
 * The traced gateway's collector: a local OTLP/HTTP receiver in its own
 * process (its CPU is not the gateway's) that takes POST /v1/traces, counts
 * the spans, and answers "stats" over IPC with the count, so the bench can
 * tell spans exported from spans dropped.
 */
let spans = 0;
let exports = 0;
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    exports++;
    // OTLP/JSON: every span has exactly one "spanId" key; counting them is cheaper than parsing.
    spans += Buffer.concat(chunks).toString("utf8").split('"spanId"').length - 1;
    response.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.send?.({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
process.on("message", (message) => {
  if (message === "stats") process.send?.({ spans, exports });
});
process.on("disconnect", () => process.exit(0));
