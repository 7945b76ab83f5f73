import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

describe("npm run bench", () => {
  const dir = mkdtempSync(join(tmpdir(), "llmgw-bench-smoke-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs --quick against the built gateway and writes its table as JSON", () => {
    const out = join(dir, "bench.json");
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "bench/run-bench.ts", "--quick", "--soak", "500", "--out", out],
      { cwd: root, encoding: "utf8", timeout: 100_000 },
    );
    expect(run.stderr).not.toMatch(/bench failed/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/\| chat +\| gateway +\|/);
    const report = JSON.parse(readFileSync(out, "utf8"));
    const scenarios = new Set(report.rows.map((row: { scenario: string }) => row.scenario));
    expect([...scenarios]).toEqual([
      "chat",
      "cache hit",
      "cache replay",
      "stream first byte",
      "stream first content",
      "stream last byte",
      "mcp",
      "failover",
      "soak",
      "tracing on vs off",
      "workers",
      "start-up",
    ]);
    const gateway = report.rows.find(
      (row: { scenario: string; target: string }) => row.scenario === "chat" && row.target === "gateway",
    );
    expect(gateway.p50).toBeGreaterThan(0);
    expect(gateway.requestsPerSecond).toBeGreaterThan(0);
    expect(gateway.cpuMicrosPerRequest).toBeGreaterThan(0);
    expect(gateway.rssUnderLoadMb).toBeGreaterThan(0);
    expect(gateway.addedMeanRatioToFloor).toEqual(expect.any(Number));
    // The floor on the prescribed stack answered the same load, so the gap splits into the stack's and ours.
    const stackFloor = report.rows.find(
      (row: { scenario: string; target: string }) => row.scenario === "chat" && row.target === "stack floor",
    );
    expect(stackFloor.requestsPerSecond).toBeGreaterThan(0);
    expect(stackFloor.cpuMicrosPerRequest).toBeGreaterThan(0);
    expect(stackFloor.addedRatioToFloor).toEqual(expect.any(Number));
    expect(
      report.targets.find((target: { name: string }) => target.name.startsWith("CPU per request")).detail,
    ).toMatch(/the stack floor \d+\.\d\dx/);
    expect(run.stdout).toContain(`Node ${process.version}`);
    expect(report.soak.rss).toHaveLength(11);
    expect(report.targets).toHaveLength(17);
    // serve --workers 1 and 2 both answered under load (the ratio is the machine's to give).
    const workers = report.rows.filter((row: { scenario: string }) => row.scenario === "workers");
    expect(workers.map((row: { target: string }) => row.target)).toEqual(["1 worker", "2 workers"]);
    for (const row of workers) expect(row.requestsPerSecond).toBeGreaterThan(0);
    // Cold starts of the built gateway, spawn to a healthy /health.
    const startUp = report.rows.find((row: { scenario: string }) => row.scenario === "start-up");
    expect(startUp.count).toBe(3);
    expect(startUp.p50).toBeGreaterThan(0);
    expect(startUp.note).toMatch(/v\d+\.\d+\.\d+/);
    // Where the time went, as the gateway's listening line gives it.
    expect(startUp.note).toMatch(
      /node \d+, modules \d+, config \d+, compose \d+, app \d+, listen \d+, total \d+/,
    );
    // The traced gateway really exported: its receiver counted spans.
    const tracing = report.rows.find((row: { scenario: string }) => row.scenario === "tracing on vs off");
    expect(tracing.cpuMicrosPerRequest).toBeGreaterThan(0);
    expect(tracing.note).toMatch(/ [1-9]\d* spans in [1-9]\d* OTLP exports/);
    const replay = report.targets.find((target: { name: string }) =>
      target.name.startsWith("replayed workload"),
    );
    expect(replay.met).toBe(true);
  }, 120_000);
});
