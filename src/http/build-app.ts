import "./fastify-augmentation.js";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Composition } from "../compose-gateway.js";
import { registerAuthentication } from "./plugins/authenticate.js";
import { registerHostCheck } from "./plugins/reject-foreign-host.js";
import { requestIdFor } from "./request-id.js";
import { registerAnthropicRoutes } from "./routes/anthropic-routes.js";
import { registerDashboardRoute } from "./routes/dashboard-route.js";
import { registerHealthRoute } from "./routes/health-route.js";
import { registerMcpRoutes } from "./routes/mcp-route.js";
import { registerMetricsRoute } from "./routes/metrics-route.js";
import { registerOpenAiRoutes } from "./routes/openai-routes.js";
import { registerStatusRoute } from "./routes/status-route.js";

/** Builds the HTTP app (not listening): main starts it, tests inject into it. */
export async function buildApp({ gateway, metrics, activity }: Composition): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: gateway.logger as FastifyBaseLogger,
    genReqId: requestIdFor,
    bodyLimit: gateway.config.bodyLimitBytes,
    // The request log observer writes one line per finished request; Fastify's own two would repeat it.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: "idle",
  });
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  app.addHook("onResponse", async (request, reply) => {
    metrics.httpResponded(request.method, request.routeOptions.url ?? "unmatched", reply.statusCode);
  });
  registerAuthentication(app, gateway.clientKeys);
  if (!gateway.clientKeys.enabled) registerHostCheck(app, gateway.config.allowedHosts);
  registerHealthRoute(app, gateway);
  registerMetricsRoute(app, metrics);
  registerStatusRoute(app, gateway, activity);
  registerDashboardRoute(app);
  await registerMcpRoutes(app, gateway);
  await registerOpenAiRoutes(app, gateway);
  await registerAnthropicRoutes(app, gateway);
  return app;
}
