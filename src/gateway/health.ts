import type { StoreHealth, UsageStore } from "../core/usage-record.js";
import type { CircuitBreaker, CircuitState } from "../routing/circuit-breaker.js";
import type { Deployments } from "../routing/deployments.js";

export interface HealthReport {
  status: "ok" | "degraded" | "unavailable";
  version: string;
  uptime_s: number;
  store: { backend: StoreHealth["backend"]; ok: boolean; journal_backlog: number; journal_writable: boolean };
  providers: Record<string, { configured: boolean; circuits: Record<string, CircuitState> }>;
}

/**
 * /health: 503 (status "unavailable") only when bookings could be lost: the
 * store is unreachable and the journal cannot be written either.
 */
export async function checkHealth(options: {
  version: string;
  startedAt: number;
  store: UsageStore;
  deployments: Deployments;
  circuits: CircuitBreaker;
}): Promise<HealthReport> {
  const store = await options.store.health();
  const providers: HealthReport["providers"] = {};
  for (const deployment of options.deployments.all()) {
    const name = deployment.provider.name;
    providers[name] ??= { configured: deployment.adapter !== undefined, circuits: {} };
    providers[name].circuits[deployment.model.name] = (await options.circuits.snapshot(deployment.key)).state;
  }
  const status = store.ok ? "ok" : store.journalWritable ? "degraded" : "unavailable";
  return {
    status,
    version: options.version,
    uptime_s: Math.round((Date.now() - options.startedAt) / 1000),
    store: {
      backend: store.backend,
      ok: store.ok,
      journal_backlog: store.journalBacklog,
      journal_writable: store.journalWritable,
    },
    providers,
  };
}
