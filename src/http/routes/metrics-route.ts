import type { FastifyInstance } from "fastify";
import type { PrometheusObserver } from "../../observability/prometheus-observer.js";

/** GET /metrics in Prometheus text format. */
export function registerMetricsRoute(app: FastifyInstance, metrics: PrometheusObserver): void {
  app.get("/metrics", async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
