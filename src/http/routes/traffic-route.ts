import type { FastifyInstance } from "fastify";
import type { ClusterViews } from "../../cluster/cluster-views.js";
import { mayActFor } from "../../gateway/principal.js";
import type { TrafficAggregator } from "../../observability/traffic-aggregator.js";

/**
 * GET /v1/traffic: this replica's (in a cluster, all its workers') last hour per minute (latency and TTFT per
 * model, errors and failovers per provider, budget and rate-limit refusals per
 * project), for the dashboard. Behind client-key auth like the rest of /v1; a
 * project key's figures come from its own projects' requests only, since even
 * counts of another project's errors or refusals say something about it.
 */
export function registerTrafficRoute(
  app: FastifyInstance,
  traffic: TrafficAggregator,
  cluster?: ClusterViews,
): void {
  app.get("/v1/traffic", async (request) => {
    const canSee = (projectId: string) => mayActFor(request.principal, projectId);
    return cluster ? cluster.traffic(canSee) : traffic.report(canSee);
  });
}
