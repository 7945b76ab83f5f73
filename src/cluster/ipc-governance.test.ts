import type { BudgetGuardSetup } from "../governance/budget-guard.contract.js";
import { runBudgetGuardContract } from "../governance/budget-guard.contract.js";
import type { GovernancePolicy } from "../governance/governance-policy.js";
import { LocalBudgetGuard } from "../governance/local-budget-guard.js";
import { LocalRateLimiter } from "../governance/local-rate-limiter.js";
import { runRateLimiterContract } from "../governance/rate-limiter.contract.js";
import { ClusterHub } from "./cluster-hub.js";
import { connectInProcess } from "./in-process-cluster.js";
import { IpcBudgetGuard } from "./ipc-budget-guard.js";
import { IpcRateLimiter } from "./ipc-rate-limiter.js";
import { PrimaryGovernance } from "./primary-governance.js";

const circuitPolicy = { failureThreshold: 5, cooldownMs: 30_000, trialLeaseMs: 60_000 };
let nextPid = 1;

/**
 * A primary for one harness: its guard and limiter are the single-process ones, built on the first
 * worker's setup (every worker of a cluster reads the same settings); each `open` is a worker
 * connected to it, as `serve --workers` runs them.
 */
function primaryOf(build: (hub: ClusterHub) => Promise<PrimaryGovernance>) {
  const hub = new ClusterHub();
  let primary: Promise<PrimaryGovernance> | undefined;
  return {
    hub,
    ready: () => {
      primary ??= build(hub);
      return primary;
    },
    close: async () => (await primary)?.close(),
  };
}

runBudgetGuardContract("IpcBudgetGuard (workers of one primary)", async () => {
  let latest: BudgetGuardSetup | undefined;
  // Every worker of a cluster reads the same settings: the primary reads the last opened worker's.
  const policy: GovernancePolicy = {
    budgets: () => (latest as BudgetGuardSetup).policy.budgets(),
    rateLimits: () => (latest as BudgetGuardSetup).policy.rateLimits(),
  };
  const cluster = primaryOf((hub) => {
    const setup = latest as BudgetGuardSetup;
    return PrimaryGovernance.create(hub, {
      createBudgetGuard: (hooks) =>
        LocalBudgetGuard.create({
          policy,
          now: setup.now,
          spentSince: setup.spentSince ?? (async () => 0),
          ...(setup.reservationTtlMs ? { reservationTtlMs: setup.reservationTtlMs } : {}),
          ...hooks,
        }),
      rateLimiter: new LocalRateLimiter({ policy, now: setup.now }),
      circuitPolicy,
    });
  });
  return {
    open: async (setup) => {
      latest = setup;
      const { link } = connectInProcess(cluster.hub, nextPid++);
      await cluster.ready();
      return IpcBudgetGuard.open({
        link,
        policy: setup.policy,
        ...(setup.onStanding ? { onStanding: setup.onStanding } : {}),
      });
    },
    cleanup: () => cluster.close(),
  };
});

runRateLimiterContract("IpcRateLimiter (workers of one primary)", async () => {
  let latest: { policy: GovernancePolicy; now: () => number } | undefined;
  const policy: GovernancePolicy = {
    budgets: () => ({}),
    rateLimits: () => (latest as { policy: GovernancePolicy }).policy.rateLimits(),
  };
  const cluster = primaryOf((hub) => {
    const { now } = latest as { now: () => number };
    return PrimaryGovernance.create(hub, {
      createBudgetGuard: (hooks) =>
        LocalBudgetGuard.create({ policy, now, spentSince: async () => 0, ...hooks }),
      rateLimiter: new LocalRateLimiter({ policy, now }),
      circuitPolicy,
    });
  });
  return {
    open: async (workerPolicy, now) => {
      latest = { policy: workerPolicy, now };
      const { link } = connectInProcess(cluster.hub, nextPid++);
      await cluster.ready();
      return new IpcRateLimiter({ link, policy: workerPolicy });
    },
    cleanup: () => cluster.close(),
  };
});
