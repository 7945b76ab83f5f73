import "./fastify-augmentation.js";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Composition } from "../compose-gateway.js";
import type { GatewayConfig } from "../config/gateway-config.js";
import { guardConnections } from "./guard-connections.js";
import { lazySchemaCompilers } from "./lazy-schema-compilers.js";
import { defaultMaxConnections, readOpenFileLimit } from "./max-connections.js";
import { registerAuthentication } from "./plugins/authenticate.js";
import { registerCloseRefusedConnections } from "./plugins/close-refused-connections.js";
import { registerHostCheck } from "./plugins/reject-foreign-host.js";
import { registerRequestTracing } from "./plugins/trace-requests.js";
import { clientRequestIdOf, requestIdFor } from "./request-id.js";
import { registerAdminRoutes } from "./routes/admin-routes.js";
import { registerAnthropicRoutes } from "./routes/anthropic-routes.js";
import { registerDashboardRoute } from "./routes/dashboard-route.js";
import { registerHealthRoute } from "./routes/health-route.js";
import { registerMcpRoutes } from "./routes/mcp-route.js";
import { registerMetricsRoute } from "./routes/metrics-route.js";
import { registerOpenAiRoutes } from "./routes/openai-routes.js";
import { registerStatusRoute } from "./routes/status-route.js";
import { registerTrafficRoute } from "./routes/traffic-route.js";

/** Builds the HTTP app (not listening): main starts it, tests inject into it. */
export async function buildApp({
  gateway,
  metrics,
  activity,
  traffic,
  cluster,
  requestLog,
  tracer,
}: Composition): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: gateway.logger as FastifyBaseLogger,
    genReqId: requestIdFor,
    bodyLimit: gateway.config.bodyLimitBytes,
    // The request log observer writes one line per finished request; Fastify's own two would repeat it.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    schemaController: { compilersFactory: lazySchemaCompilers },
    forceCloseConnections: "idle",
    // Receiving a request is bounded (slowloris); answering it is not: streams last as long as they need.
    requestTimeout: gateway.config.bodyTimeoutMs,
    http: {
      headersTimeout: gateway.config.headersTimeoutMs,
      // Node checks both timeouts on this interval (default 30 s): a tenth of the shorter keeps them near exact.
      connectionsCheckingInterval: Math.min(1000, Math.max(50, gateway.config.headersTimeoutMs / 10)),
    },
  });
  const maxConnections = maxConnectionsOf(gateway.config);
  guardConnections(app.server, {
    maxConnections,
    onPressure: (pressure) =>
      gateway.logger.warn(
        { ...pressure, maxConnections },
        "connection limit reached: closed idle or still-arriving connections to admit new ones (refused: none was free)",
      ),
  });
  // Callback hooks, not async ones: they run for every request, and a promise each is measurable.
  app.addHook("onRequest", (request, reply, done) => {
    // The gateway's own id answers as x-request-id; a client's own id is logged beside it and echoed.
    reply.header("x-request-id", request.id);
    request.clientRequestId = clientRequestIdOf(request.raw);
    // On the raw response, so hijacked answers (streams, MCP) carry it too.
    if (request.clientRequestId !== undefined)
      reply.raw.setHeader("x-client-request-id", request.clientRequestId);
    requestLog.httpStarted(request.id);
    // 'close' comes after 'finish', and also when the client went away first (then no 'finish' comes).
    reply.raw.once("close", () =>
      requestLog.httpAnswered({
        requestId: request.id,
        clientRequestId: request.clientRequestId,
        method: request.method,
        route: request.routeOptions.url ?? "unmatched",
        status: reply.raw.statusCode,
        errorCode: request.errorCode,
        clientClosed: !reply.raw.writableFinished,
      }),
    );
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    metrics.httpResponded(request.method, request.routeOptions.url ?? "unmatched", reply.statusCode);
    done();
  });
  if (tracer) registerRequestTracing(app, tracer);
  registerCloseRefusedConnections(app);
  registerAuthentication(app, gateway.clientKeys);
  if (!gateway.clientKeys.enabled) registerHostCheck(app, gateway.config.allowedHosts);
  registerHealthRoute(app, gateway);
  registerMetricsRoute(app, metrics, cluster);
  registerStatusRoute(app, gateway, activity, cluster);
  registerTrafficRoute(app, traffic, cluster);
  registerDashboardRoute(app);
  await registerMcpRoutes(app, gateway);
  await registerOpenAiRoutes(app, gateway);
  await registerAnthropicRoutes(app, gateway);
  await registerAdminRoutes(app, gateway);
  return app;
}

/** The bound on open client connections: configured, or derived from the file-descriptor limit. */
export function maxConnectionsOf(config: GatewayConfig): number {
  return config.maxConnections ?? defaultMaxConnections(readOpenFileLimit());
}
