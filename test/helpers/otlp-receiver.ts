import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeOtlpTraceRequest } from "./decode-otlp-protobuf.js";

/** One span as it arrived, flattened from OTLP/JSON: ids in hex, attributes as plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** OTLP SpanKind: 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  status: { code?: number; message?: string };
  resource: Record<string, unknown>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}

function plainValue(value: OtlpValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(plainValue);
  return undefined;
}

function attributesOf(list: OtlpAttribute[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((attribute) => [attribute.key, plainValue(attribute.value)]));
}

/**
 * A real OTLP/HTTP trace receiver on 127.0.0.1: takes `POST /v1/traces` with
 * an OTLP protobuf or JSON body, answers as a collector does, and keeps every
 * span it decoded, with the content type each export came as.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** Every request that arrived, whatever its path: "tracing off sends nothing" counts these. */
  readonly posts: Array<{ path: string; contentType: string | undefined }> = [];
  private constructor(private readonly server: Server) {}

  static async start(): Promise<OtlpReceiver> {
    const server = createServer();
    const receiver = new OtlpReceiver(server);
    server.on("request", (request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        receiver.posts.push({ path: request.url ?? "", contentType: request.headers["content-type"] });
        if (request.method !== "POST" || request.url !== "/v1/traces") {
          response.writeHead(404).end();
          return;
        }
        const body = Buffer.concat(chunks);
        // http/protobuf is the exporter's default; http/json when OTEL_EXPORTER_OTLP_PROTOCOL says so.
        const protobuf = request.headers["content-type"] === "application/x-protobuf";
        receiver.take((protobuf ? decodeOtlpTraceRequest(body) : JSON.parse(body.toString("utf8"))) as never);
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return receiver;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private take(body: {
    resourceSpans?: Array<{
      resource?: { attributes?: OtlpAttribute[] };
      scopeSpans?: Array<{
        spans?: Array<{
          traceId: string;
          spanId: string;
          parentSpanId?: string;
          name: string;
          kind: number;
          attributes?: OtlpAttribute[];
          events?: Array<{ name: string; attributes?: OtlpAttribute[] }>;
          status?: { code?: number; message?: string };
        }>;
      }>;
    }>;
  }): void {
    for (const resourceSpans of body.resourceSpans ?? []) {
      const resource = attributesOf(resourceSpans.resource?.attributes);
      for (const scope of resourceSpans.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          this.spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId || undefined,
            name: span.name,
            kind: span.kind,
            attributes: attributesOf(span.attributes),
            events: (span.events ?? []).map((event) => ({
              name: event.name,
              attributes: attributesOf(event.attributes),
            })),
            status: span.status ?? {},
            resource,
          });
        }
      }
    }
  }
}
