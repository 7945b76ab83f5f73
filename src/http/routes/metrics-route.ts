import type { FastifyInstance } from "fastify";
import type { ClusterViews } from "../../cluster/cluster-views.js";
import type { PrometheusObserver } from "../../observability/prometheus-observer.js";

/** GET /metrics in Prometheus text format; in a cluster, summed over its workers. */
export function registerMetricsRoute(
  app: FastifyInstance,
  metrics: PrometheusObserver,
  cluster?: ClusterViews,
): void {
  app.get("/metrics", async (_request, reply) => {
    if (cluster) {
      const { text, contentType } = await cluster.metrics();
      return reply.type(contentType).send(text);
    }
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
