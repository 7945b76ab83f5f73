import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeOtlpTraceRequest } from "../test/helpers/decode-otlp-protobuf.js";

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
    const body = Buffer.concat(chunks);
    if (request.headers["content-type"] === "application/x-protobuf") spans += countProtobufSpans(body);
    // OTLP/JSON: every span has exactly one "spanId" key; counting them is cheaper than parsing.
    else spans += body.toString("utf8").split('"spanId"').length - 1;
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

/** The spans of an ExportTraceServiceRequest, decoded as the test receiver decodes them. */
function countProtobufSpans(body: Uint8Array): number {
  const request = decodeOtlpTraceRequest(body) as {
    resourceSpans: Array<{ scopeSpans: Array<{ spans: unknown[] }> }>;
  };
  return request.resourceSpans.reduce(
    (sum, resource) => sum + resource.scopeSpans.reduce((inner, scope) => inner + scope.spans.length, 0),
    0,
  );
}
