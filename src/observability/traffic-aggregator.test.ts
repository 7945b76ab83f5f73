import { describe, expect, it } from "vitest";
import type { FinishedRequest } from "../gateway/request-observer.js";
import type { Attempt } from "../routing/attempt.js";
import { percentile, TrafficAggregator } from "./traffic-aggregator.js";

const start = Date.parse("2026-12-06T10:00:00.000Z");

function finished(overrides: Partial<FinishedRequest> = {}): FinishedRequest {
  return {
    requestId: "req",
    door: "openai",
    kind: "chat",
    projectId: "team-a",
    agentId: "bot",
    modelGroup: "reasoning",
    stream: true,
    outcome: "success",
    provider: "anthropic",
    model: "claude-opus-4-5",
    attempts: [{ provider: "anthropic", model: "claude-opus-4-5", outcome: "success", latency_ms: 100 }],
    latencyMs: 100,
    timeToFirstTokenMs: 40,
    inputTokens: 10,
    outputTokens: 5,
    cachedInputTokens: 0,
    costUsd: 0.001,
    estimated: false,
    cacheHit: false,
    ...overrides,
  };
}

const everyone = () => true;

describe("percentile", () => {
  it("is the nearest rank: the smallest value at or above that share of them", () => {
    const values = Array.from({ length: 20 }, (_, index) => (index + 1) * 10); // 10..200
    expect(percentile(values, 50)).toBe(100);
    expect(percentile(values, 95)).toBe(190);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});

describe("TrafficAggregator", () => {
  it("gives exact p50 and p95 latency and TTFT per model for a known minute", () => {
    let now = start + 5_000;
    const traffic = new TrafficAggregator({ now: () => now });
    // 1..100 ms, shuffled: p50 is 50, p95 is 95; TTFT is a tenth of each.
    const latencies = Array.from({ length: 100 }, (_, index) => ((index * 37) % 100) + 1);
    for (const latencyMs of latencies) {
      traffic.requestFinished(finished({ latencyMs, timeToFirstTokenMs: latencyMs / 10 }));
    }
    traffic.requestFinished(finished({ provider: "openai", model: "gpt-4.1", latencyMs: 900 }));
    now += 1_000;
    const report = traffic.report(everyone);
    expect(report.minutes).toHaveLength(60);
    expect(report.minutes.at(-1)).toBe("2026-12-06T10:00:00.000Z");
    const opus = report.models.find((model) => model.deployment === "anthropic/claude-opus-4-5");
    expect(opus).toMatchObject({ requests: 100, p50_ms: 50, p95_ms: 95, ttft_p50_ms: 5, ttft_p95_ms: 9.5 });
    expect(opus?.series.at(-1)).toEqual({
      requests: 100,
      p50_ms: 50,
      p95_ms: 95,
      ttft_p50_ms: 5,
      ttft_p95_ms: 9.5,
    });
    // An earlier minute with no request has no percentile, not a zero.
    expect(opus?.series.at(-2)).toEqual({
      requests: 0,
      p50_ms: null,
      p95_ms: null,
      ttft_p50_ms: null,
      ttft_p95_ms: null,
    });
    expect(report.models.map((model) => model.deployment)).toEqual([
      "anthropic/claude-opus-4-5",
      "openai/gpt-4.1",
    ]);
  });

  it("leaves cache hits and requests nobody answered out of latency", () => {
    const traffic = new TrafficAggregator({ now: () => start });
    traffic.requestFinished(finished({ cacheHit: true, latencyMs: 1 }));
    traffic.requestFinished(
      finished({
        outcome: "error",
        errorCode: "GW_ERR_ALL_PROVIDERS_FAILED",
        provider: undefined,
        model: undefined,
      }),
    );
    expect(traffic.report(everyone).models).toEqual([]);
  });

  it("rolls minutes over with the clock and forgets those older than the window", () => {
    let now = start;
    const traffic = new TrafficAggregator({ now: () => now, minutes: 3 });
    traffic.requestFinished(finished({ latencyMs: 10 }));
    now += 60_000;
    traffic.requestFinished(finished({ latencyMs: 20 }));
    traffic.requestFinished(finished({ latencyMs: 30 }));
    let report = traffic.report(everyone);
    expect(report.minutes).toEqual([
      "2026-12-06T09:59:00.000Z",
      "2026-12-06T10:00:00.000Z",
      "2026-12-06T10:01:00.000Z",
    ]);
    expect(report.models[0]?.series.map((point) => point.requests)).toEqual([0, 1, 2]);
    expect(report.models[0]?.series.map((point) => point.p95_ms)).toEqual([null, 10, 30]);
    // The whole window's percentile is over every minute's latencies.
    expect(report.models[0]?.p50_ms).toBe(20);

    // Three minutes on, 10:00 and 10:01 are out of the window, and their slots are reused.
    now += 3 * 60_000;
    traffic.requestFinished(finished({ latencyMs: 40 }));
    report = traffic.report(everyone);
    expect(report.minutes[0]).toBe("2026-12-06T10:02:00.000Z");
    expect(report.models[0]?.series.map((point) => point.requests)).toEqual([0, 0, 1]);
    expect(report.models[0]?.requests).toBe(1);
    // A quiet hour later nothing is reported, though the slots still hold the old minute.
    now += 60 * 60_000;
    expect(traffic.report(everyone).models).toEqual([]);
  });

  it("counts errors and failovers per provider, and refusals per project", () => {
    const traffic = new TrafficAggregator({ now: () => start });
    const attempt = (provider: string, outcome: Attempt["outcome"]): Attempt => ({
      provider,
      model: `${provider}-model`,
      outcome,
      latency_ms: 5,
      ...(outcome === "failed" ? { error: "anthropic answered 529: Overloaded" } : {}),
    });
    traffic.requestFinished(
      finished({
        attempts: [attempt("anthropic", "failed"), attempt("openai", "success")],
        provider: "openai",
      }),
    );
    traffic.requestFinished(
      finished({
        attempts: [attempt("anthropic", "skipped_circuit_open"), attempt("openai", "success")],
        provider: "openai",
      }),
    );
    // The last attempt failed: an error, but nothing to fail over to.
    traffic.requestFinished(
      finished({
        outcome: "error",
        provider: undefined,
        model: undefined,
        attempts: [attempt("anthropic", "failed")],
      }),
    );
    traffic.requestFinished(
      finished({ outcome: "error", errorCode: "GW_ERR_BUDGET_EXCEEDED", attempts: [], projectId: "team-b" }),
    );
    traffic.requestFinished(finished({ outcome: "error", errorCode: "GW_ERR_RATE_LIMITED", attempts: [] }));
    traffic.requestFinished(finished({ outcome: "error", errorCode: "GW_ERR_RATE_LIMITED", attempts: [] }));

    const report = traffic.report(everyone);
    const byProvider = Object.fromEntries(
      report.providers.map(({ provider, attempts, errors, failovers, error_rate }) => [
        provider,
        { attempts, errors, failovers, error_rate },
      ]),
    );
    expect(byProvider).toEqual({
      anthropic: { attempts: 2, errors: 2, failovers: 2, error_rate: 1 },
      openai: { attempts: 2, errors: 0, failovers: 0, error_rate: 0 },
    });
    expect(
      report.refusals.map(({ project_id, budget, rate_limit }) => [project_id, budget, rate_limit]),
    ).toEqual([
      ["team-a", 0, 2],
      ["team-b", 1, 0],
    ]);
    expect(report.refusals[1]?.series.at(-1)).toEqual({ budget: 1, rate_limit: 0 });
    // No error text is kept anywhere in what it reports.
    expect(JSON.stringify(report)).not.toContain("Overloaded");
  });

  it("reports several processes' snapshots (a cluster's workers) as one process that saw every request", () => {
    const now = () => start + 5_000;
    const one = new TrafficAggregator({ now });
    const other = new TrafficAggregator({ now });
    const together = new TrafficAggregator({ now });
    // Odd latencies on one worker, even on the other: the percentiles need every sample, not two summaries.
    for (let latencyMs = 1; latencyMs <= 100; latencyMs += 1) {
      const request = finished({ latencyMs, timeToFirstTokenMs: latencyMs / 10 });
      (latencyMs % 2 === 1 ? one : other).requestFinished(request);
      together.requestFinished(request);
    }
    const refusal = finished({
      outcome: "error",
      errorCode: "GW_ERR_RATE_LIMITED",
      attempts: [],
      provider: undefined,
      model: undefined,
    });
    one.requestFinished(refusal);
    other.requestFinished(refusal);
    together.requestFinished(refusal);
    together.requestFinished(refusal);
    // Through JSON, as the snapshots cross the IPC channel.
    const shares = [one.snapshot(), other.snapshot()].map((share) => JSON.parse(JSON.stringify(share)));
    const merged = new TrafficAggregator({ now }).report(everyone, shares);
    expect(merged).toEqual(together.report(everyone));
    expect(merged.models[0]).toMatchObject({ requests: 100, p50_ms: 50, p95_ms: 95 });
    expect(merged.refusals[0]).toMatchObject({ project_id: "team-a", rate_limit: 2 });
    // Nothing of minutes older than the window travels.
    expect(one.snapshot().minutes).toHaveLength(1);
  });

  it("counts only the projects the reader may see", () => {
    const traffic = new TrafficAggregator({ now: () => start });
    traffic.requestFinished(finished({ projectId: "team-a", latencyMs: 10 }));
    traffic.requestFinished(finished({ projectId: "team-b", latencyMs: 1_000 }));
    traffic.requestFinished(
      finished({ projectId: "team-b", outcome: "error", errorCode: "GW_ERR_RATE_LIMITED" }),
    );
    const report = traffic.report((projectId) => projectId === "team-a");
    expect(report.models[0]).toMatchObject({ requests: 1, p95_ms: 10 });
    expect(report.providers[0]?.attempts).toBe(1);
    expect(report.refusals).toEqual([]);
  });

  it("keeps memory bounded: samples per cell and per minute, cells per minute, minutes", () => {
    let now = start;
    const traffic = new TrafficAggregator({
      now: () => now,
      minutes: 5,
      maxSamplesPerCell: 50,
      maxSamplesPerMinute: 300,
      maxCellsPerMinute: 20,
    });
    for (let minute = 0; minute < 12; minute += 1) {
      for (let index = 0; index < 2_000; index += 1) {
        traffic.requestFinished(
          finished({
            projectId: `project-${index % 40}`,
            latencyMs: index,
            attempts: [{ provider: `provider-${index % 30}`, model: "m", outcome: "success", latency_ms: 1 }],
          }),
        );
      }
      now += 60_000;
    }
    const footprint = traffic.footprint();
    expect(footprint.minutes).toBe(5);
    // Per minute: at most 20 latency, 20 provider and 20 refusal cells, and 300 samples.
    expect(footprint.cells).toBeLessThanOrEqual(5 * 3 * 20);
    expect(footprint.samples).toBeLessThanOrEqual(5 * 300);
    expect(footprint.samples).toBeGreaterThan(0);
    // Requests are still counted once a cell's samples are full.
    now -= 60_000;
    const counted = traffic.report(everyone).models.reduce((sum, model) => sum + model.requests, 0);
    expect(counted).toBeGreaterThanOrEqual(2_000 / 2);
  });

  it("never throws into the request path", () => {
    const traffic = new TrafficAggregator({ now: () => start });
    expect(() =>
      traffic.requestFinished({ ...finished(), attempts: undefined } as unknown as FinishedRequest),
    ).not.toThrow();
  });
});
