import { AggregatorRegistry } from "prom-client";
import type { Principal } from "../gateway/principal.js";
import {
  type ActivityFeed,
  activityFor,
  type CircuitEvent,
  type FailoverEvent,
} from "../observability/activity-feed.js";
import type { PrometheusObserver } from "../observability/prometheus-observer.js";
import {
  TrafficAggregator,
  type TrafficReport,
  type TrafficSnapshot,
} from "../observability/traffic-aggregator.js";
import type { WorkerLink } from "./worker-link.js";

/** What the dashboard and /metrics show of a whole cluster, answered by any of its workers. */
export interface ClusterViews {
  /** Prometheus text: counters and histograms summed over the workers, circuit states their maximum. */
  metrics(): Promise<{ text: string; contentType: string }>;
  traffic(canSee: (projectId: string) => boolean): Promise<TrafficReport>;
  activity(principal: Principal | undefined): Promise<ReturnType<typeof activityFor>>;
}

type Recent = { failovers: FailoverEvent[]; circuitTransitions: CircuitEvent[] };

/** Newest first across workers, as many as one feed keeps. */
const activityCapacity = 50;

/**
 * Offers this worker's metrics, traffic and activity to the primary, and answers the cluster's
 * view by asking the primary to collect every worker's share (this one's included).
 */
export function clusterViews(
  link: WorkerLink,
  own: { metrics: PrometheusObserver; traffic: TrafficAggregator; activity: ActivityFeed },
): ClusterViews {
  link.provide("metrics", () => own.metrics.registry.getMetricsAsJSON());
  link.provide("traffic", () => own.traffic.snapshot());
  link.provide("activity", () => own.activity.recent());
  const gather = <T>(topic: string) => link.call<T[]>("gather", topic);
  return {
    async metrics() {
      const registry = AggregatorRegistry.aggregate(await gather<object>("metrics"));
      return { text: await registry.metrics(), contentType: own.metrics.registry.contentType };
    },
    async traffic(canSee) {
      // An aggregator of its own holds nothing: every minute shown comes from the workers' shares.
      return new TrafficAggregator().report(canSee, await gather<TrafficSnapshot>("traffic"));
    },
    async activity(principal) {
      const shares = await gather<Recent>("activity");
      const newestFirst = <T extends { at: string }>(events: T[]) =>
        events.sort((a, b) => b.at.localeCompare(a.at)).slice(0, activityCapacity);
      return activityFor(
        {
          failovers: newestFirst(shares.flatMap((share) => share.failovers)),
          circuitTransitions: newestFirst(shares.flatMap((share) => share.circuitTransitions)),
        },
        principal,
      );
    },
  };
}
