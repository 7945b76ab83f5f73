import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { StartUpTimings } from "./start-up-timings.js";

describe("StartUpTimings", () => {
  it("splits the time since the process started into Node's boot, the modules and each marked phase", async () => {
    const timings = new StartUpTimings();
    await new Promise((resolve) => setTimeout(resolve, 30));
    timings.mark("config");
    timings.mark("listen");
    const { total = Number.NaN, ...phases } = timings.phases;
    expect(Object.keys(phases)).toEqual(["node", "modules", "config", "listen"]);
    expect(phases.node).toBe(Math.round(performance.nodeTiming.bootstrapComplete * 10) / 10);
    expect(phases.config).toBeGreaterThanOrEqual(29);
    expect(phases.listen).toBeLessThan(phases.config ?? 0);
    const sum = Object.values(phases).reduce((a, b) => a + b, 0);
    // Each phase is rounded to tenths on its own.
    expect(Math.abs(total - sum)).toBeLessThanOrEqual(0.2);
    expect(total).toBeLessThanOrEqual(performance.now());
  });
});
