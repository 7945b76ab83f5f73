import type { FastifyInstance } from "fastify";
import type { ClusterViews } from "../../cluster/cluster-views.js";
import type { Gateway } from "../../gateway/gateway.js";
import type { ActivityFeed } from "../../observability/activity-feed.js";

/**
 * GET /v1/status: what the dashboard shows besides usage: every group's
 * chain with circuit states, and this replica's (in a cluster, all its
 * workers') recent failovers and circuit transitions. Behind client-key auth like the rest of /v1.
 */
export function registerStatusRoute(
  app: FastifyInstance,
  gateway: Gateway,
  activity: ActivityFeed,
  cluster?: ClusterViews,
): void {
  app.get("/v1/status", async (request) => {
    const [health, models, { failovers, circuitTransitions }] = await Promise.all([
      gateway.health(),
      gateway.listModels(),
      cluster ? cluster.activity(request.principal) : activity.recentFor(request.principal),
    ]);
    return {
      version: gateway.version,
      uptime_s: health.uptime_s,
      store: health.store,
      groups: models.groups,
      failovers,
      circuitTransitions,
    };
  });
}
