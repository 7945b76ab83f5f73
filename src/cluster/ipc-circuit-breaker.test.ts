import { describe, expect, it } from "vitest";
import { eventually, runCircuitBreakerContract, waitAtLeast } from "../routing/circuit-breaker.contract.js";
import { ClusterHub } from "./cluster-hub.js";
import { connectInProcess } from "./in-process-cluster.js";
import { IpcCircuitBreaker } from "./ipc-circuit-breaker.js";
import { PrimaryCircuits } from "./primary-circuits.js";

let nextPid = 1;

runCircuitBreakerContract("IpcCircuitBreaker (three workers of one primary)", async (settings) => {
  const hub = new ClusterHub();
  new PrimaryCircuits(hub, {
    failureThreshold: settings.failureThreshold,
    cooldownMs: settings.cooldownMs,
    trialLeaseMs: 60_000,
  });
  const replicas = await Promise.all(
    [0, 1, 2].map(() => IpcCircuitBreaker.open(connectInProcess(hub, nextPid++).link, settings)),
  );
  return {
    replicas,
    settled: async () => void (await Promise.all(replicas.map((replica) => replica.settled()))),
  };
});

describe("IpcCircuitBreaker when a worker dies", () => {
  it("frees the half-open trial the dead worker held, so another worker's request is the trial at once", async () => {
    const key = "openai/gpt-4.1";
    const hub = new ClusterHub();
    const circuits = new PrimaryCircuits(hub, { failureThreshold: 1, cooldownMs: 50, trialLeaseMs: 60_000 });
    const dying = connectInProcess(hub, 101);
    const [first, second] = await Promise.all([
      IpcCircuitBreaker.open(dying.link, { failureThreshold: 1, cooldownMs: 50 }),
      IpcCircuitBreaker.open(connectInProcess(hub, 102).link, { failureThreshold: 1, cooldownMs: 50 }),
    ]);
    expect(await (await first?.tryAcquire(key))?.failure("500")).toBe(true);
    await waitAtLeast(60);
    const trial = await first?.tryAcquire(key);
    expect(trial?.isTrial).toBe(true);
    await eventually(async () => expect(await second?.tryAcquire(key)).toBeUndefined());
    // The worker dies mid-trial; the primary hears of the exit (run-cluster-primary calls this).
    dying.disconnect();
    circuits.releaseTrialsOf(101);
    const taken = await eventually(async () => {
      const permit = await second?.tryAcquire(key);
      expect(permit?.isTrial).toBe(true);
      return permit;
    });
    taken?.success();
    await second?.settled();
    expect((await second?.snapshot(key))?.state).toBe("closed");
  });
});
