import type { FastifyInstance, FastifyRequest } from "fastify";
import type { GatewayTracer } from "../../observability/tracing/gateway-tracer.js";
import type { RequestTrace } from "../../observability/tracing/request-trace.js";

declare module "fastify" {
  interface FastifyRequest {
    /** This request's trace, when tracing is on and the route is a door (/v1, /mcp). */
    requestTrace?: RequestTrace;
  }
}

/** The doors whose requests are traced: the API and MCP, not the dashboard, metrics or health. */
function isDoor(url: string): boolean {
  return url.startsWith("/v1/") || url === "/mcp";
}

/** The GenAI operation of a /v1 route that calls a model; undefined for the others (usage, models). */
function operationOf(route: string): "chat" | "embeddings" | undefined {
  if (route === "/v1/embeddings") return "embeddings";
  if (route === "/v1/chat/completions" || route === "/v1/messages" || route === "/v1/responses")
    return "chat";
  return undefined;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === "string" ? value : undefined;
}

/**
 * Begins each door request's trace, with the caller's W3C `traceparent`/`tracestate` as parent;
 * the door hands it to the use case with the caller, so the router's attempts find it.
 * Registered only when tracing is on.
 */
export function registerRequestTracing(app: FastifyInstance, tracer: GatewayTracer): void {
  app.addHook("onRequest", (request, reply, done) => {
    const route = request.routeOptions.url;
    if (route === undefined || !isDoor(route)) return done();
    const trace = tracer.begin({
      requestId: request.id,
      method: request.method,
      route,
      traceparent: header(request, "traceparent"),
      tracestate: header(request, "tracestate"),
    });
    request.requestTrace = trace;
    // 'close' also covers hijacked answers (streams, MCP) and clients that went away.
    reply.raw.once("close", () => trace.httpAnswered(reply.raw.statusCode));
    done();
  });
  app.addHook("preHandler", (request, _reply, done) => {
    const route = request.routeOptions.url;
    if (request.requestTrace && route !== undefined)
      request.requestTrace.describeRequest(request.body, operationOf(route));
    done();
  });
  if (tracer.captureContent) {
    app.addHook("onSend", (request, _reply, payload, done) => {
      if (request.requestTrace && typeof payload === "string") request.requestTrace.describeAnswer(payload);
      done(null, payload);
    });
  }
}
