import type { FinishedRequest, GatewayObserver } from "../gateway/request-observer.js";

/** One minute of one project's requests answered by one deployment. */
interface LatencyCell {
  projectId: string;
  deployment: string;
  requests: number;
  /** Up to `maxSamplesPerCell` latencies (a uniform sample beyond that), for exact percentiles below it. */
  latencies: number[];
  ttfts: number[];
  ttftSeen: number;
}

/** One minute of one project's attempts on one provider. */
interface ProviderCell {
  projectId: string;
  provider: string;
  attempts: number;
  errors: number;
  /** Attempts that did not answer and were followed by another: the request failed over away from it. */
  failovers: number;
}

interface RefusalCell {
  budget: number;
  rateLimit: number;
}

interface Minute {
  /** Minutes since the epoch; -1 for a slot never used. */
  index: number;
  latency: Map<string, LatencyCell>;
  providers: Map<string, ProviderCell>;
  refusals: Map<string, RefusalCell>;
  /** Samples kept in this minute, across cells, against `maxSamplesPerMinute`. */
  samples: number;
}

/** One minute's cells as plain data. */
interface MinuteCells {
  index: number;
  latency: LatencyCell[];
  providers: ProviderCell[];
  refusals: Array<[string, RefusalCell]>;
}

/** A process's kept minutes as plain data (JSON), for a report over several processes. */
export interface TrafficSnapshot {
  minutes: MinuteCells[];
}

export interface TrafficAggregatorOptions {
  /** Milliseconds since the epoch; injected so tests can roll minutes over. */
  now?: () => number;
  /** How many minutes are kept (the current one included). */
  minutes?: number;
  /** Latencies kept per project, deployment and minute; beyond it a uniform sample (percentiles approximate). */
  maxSamplesPerCell?: number;
  /** Latencies and TTFTs kept per minute across cells: bounds memory whatever the traffic. */
  maxSamplesPerMinute?: number;
  /** Distinct project x deployment (or provider, or project) cells per minute; further ones are not counted. */
  maxCellsPerMinute?: number;
}

export interface LatencyPoint {
  requests: number;
  p50_ms: number | null;
  p95_ms: number | null;
  ttft_p50_ms: number | null;
  ttft_p95_ms: number | null;
}

export interface ProviderPoint {
  attempts: number;
  errors: number;
  failovers: number;
}

export interface RefusalPoint {
  budget: number;
  rate_limit: number;
}

/** What GET /v1/traffic answers: every series has one point per minute, oldest first. */
export interface TrafficReport {
  bucket_ms: number;
  /** Start of each minute (ISO, UTC), oldest first; the last is the current, unfinished minute. */
  minutes: string[];
  models: Array<{ deployment: string } & LatencyPoint & { series: LatencyPoint[] }>;
  providers: Array<
    { provider: string; error_rate: number | null } & ProviderPoint & { series: ProviderPoint[] }
  >;
  refusals: Array<{ project_id: string } & RefusalPoint & { series: RefusalPoint[] }>;
}

const minuteMs = 60_000;

/**
 * Latency and TTFT per model, errors and failovers per provider, and budget
 * and rate-limit refusals per project, per minute over the last hour of this
 * process, for the dashboard. In memory and per replica, like the activity
 * feed: the usage store keeps cost, not latency, and a per-minute view of the
 * last hour does not need to survive a restart. Every cell is per project, so
 * a project key's view is built from its own projects' requests only; no
 * error text is kept at all.
 */
export class TrafficAggregator implements GatewayObserver {
  private readonly now: () => number;
  private readonly slots: Minute[];
  private readonly maxSamplesPerCell: number;
  private readonly maxSamplesPerMinute: number;
  private readonly maxCellsPerMinute: number;

  constructor(options: TrafficAggregatorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxSamplesPerCell = options.maxSamplesPerCell ?? 500;
    this.maxSamplesPerMinute = options.maxSamplesPerMinute ?? 10_000;
    this.maxCellsPerMinute = options.maxCellsPerMinute ?? 1000;
    this.slots = Array.from({ length: options.minutes ?? 60 }, () => emptyMinute(-1));
  }

  requestFinished(request: FinishedRequest): void {
    try {
      this.record(request);
    } catch {
      // An observer never throws into the request path; a lost data point is the price.
    }
  }

  circuitChanged(): void {}

  /**
   * The kept minutes as `canSee` allows: only the projects it admits count. `others` are other
   * processes' `snapshot()`s (a cluster's workers), counted as if this process had seen their requests.
   */
  report(canSee: (projectId: string) => boolean, others: readonly TrafficSnapshot[] = []): TrafficReport {
    const current = Math.floor(this.now() / minuteMs);
    const count = this.slots.length;
    const indexes = Array.from({ length: count }, (_, offset) => current - count + 1 + offset);
    const sources: MinuteCells[][] = [
      this.slots.map((slot) => ({
        index: slot.index,
        latency: [...slot.latency.values()],
        providers: [...slot.providers.values()],
        refusals: [...slot.refusals],
      })),
      ...others.map((other) => other.minutes),
    ];
    const minutes = indexes.map((index) =>
      sources.flatMap((source) => source.filter((minute) => minute.index === index)),
    );

    const latency = new Map<string, Array<LatencyCell[]>>();
    const providers = new Map<string, ProviderPoint[]>();
    const refusals = new Map<string, RefusalPoint[]>();
    minutes.forEach((sameMinute, position) => {
      for (const minute of sameMinute) {
        for (const cell of minute.latency) {
          if (!canSee(cell.projectId)) continue;
          const series = getOrCreate(latency, cell.deployment, () => indexes.map(() => []));
          series[position]?.push(cell);
        }
        for (const cell of minute.providers) {
          if (!canSee(cell.projectId)) continue;
          const series = getOrCreate(providers, cell.provider, () =>
            indexes.map(() => ({ attempts: 0, errors: 0, failovers: 0 })),
          );
          const point = series[position];
          if (!point) continue;
          point.attempts += cell.attempts;
          point.errors += cell.errors;
          point.failovers += cell.failovers;
        }
        for (const [projectId, cell] of minute.refusals) {
          if (!canSee(projectId)) continue;
          const series = getOrCreate(refusals, projectId, () =>
            indexes.map(() => ({ budget: 0, rate_limit: 0 })),
          );
          const point = series[position];
          if (!point) continue;
          point.budget += cell.budget;
          point.rate_limit += cell.rateLimit;
        }
      }
    });

    return {
      bucket_ms: minuteMs,
      minutes: indexes.map((index) => new Date(index * minuteMs).toISOString()),
      models: [...latency]
        .map(([deployment, series]) => ({
          deployment,
          ...latencyPoint(series.flat()),
          series: series.map(latencyPoint),
        }))
        .sort((a, b) => b.requests - a.requests || a.deployment.localeCompare(b.deployment)),
      providers: [...providers]
        .map(([provider, series]) => {
          const total = sumPoints(series);
          return {
            provider,
            ...total,
            error_rate: total.attempts > 0 ? total.errors / total.attempts : null,
            series,
          };
        })
        .sort((a, b) => b.attempts - a.attempts || a.provider.localeCompare(b.provider)),
      refusals: [...refusals]
        .map(([projectId, series]) => ({
          project_id: projectId,
          budget: series.reduce((sum, point) => sum + point.budget, 0),
          rate_limit: series.reduce((sum, point) => sum + point.rate_limit, 0),
          series,
        }))
        .sort(
          (a, b) =>
            b.budget + b.rate_limit - (a.budget + a.rate_limit) || a.project_id.localeCompare(b.project_id),
        ),
    };
  }

  /** The kept minutes as plain data, for another process's `report` (a cluster's workers). */
  snapshot(): TrafficSnapshot {
    const current = Math.floor(this.now() / minuteMs);
    return {
      minutes: this.slots
        .filter((slot) => slot.index > current - this.slots.length)
        .map((slot) => ({
          index: slot.index,
          latency: [...slot.latency.values()],
          providers: [...slot.providers.values()],
          refusals: [...slot.refusals],
        })),
    };
  }

  /** What is held now, to show memory stays bounded: kept minutes, cells and latency samples. */
  footprint(): { minutes: number; cells: number; samples: number } {
    let cells = 0;
    let samples = 0;
    for (const slot of this.slots) {
      cells += slot.latency.size + slot.providers.size + slot.refusals.size;
      for (const cell of slot.latency.values()) samples += cell.latencies.length + cell.ttfts.length;
    }
    return { minutes: this.slots.length, cells, samples };
  }

  private record(request: FinishedRequest): void {
    const minute = this.currentMinute();
    const { projectId } = request;

    if (request.errorCode === "GW_ERR_BUDGET_EXCEEDED" || request.errorCode === "GW_ERR_RATE_LIMITED") {
      const cell = this.cell(minute.refusals, projectId, () => ({ budget: 0, rateLimit: 0 }));
      if (cell) {
        if (request.errorCode === "GW_ERR_BUDGET_EXCEEDED") cell.budget += 1;
        else cell.rateLimit += 1;
      }
    }

    request.attempts.forEach((attempt, position) => {
      if (attempt.outcome === "skipped_unsupported") return;
      const cell = this.cell(minute.providers, `${projectId}\u0000${attempt.provider}`, () => ({
        projectId,
        provider: attempt.provider,
        attempts: 0,
        errors: 0,
        failovers: 0,
      }));
      if (!cell) return;
      const answered = attempt.outcome === "success";
      // A skipped open circuit is no call, but a request moving past it is a failover all the same.
      if (attempt.outcome !== "skipped_circuit_open") {
        cell.attempts += 1;
        if (!answered) cell.errors += 1;
      }
      if (!answered && position < request.attempts.length - 1) cell.failovers += 1;
    });

    // A cache hit called no provider: its latency says nothing of the deployment's.
    if (request.cacheHit || request.provider === undefined || request.model === undefined) return;
    const deployment = `${request.provider}/${request.model}`;
    const cell = this.cell(minute.latency, `${projectId}\u0000${deployment}`, () => ({
      projectId,
      deployment,
      requests: 0,
      latencies: [],
      ttfts: [],
      ttftSeen: 0,
    }));
    if (!cell) return;
    cell.requests += 1;
    this.sample(minute, cell.latencies, cell.requests, request.latencyMs);
    if (request.timeToFirstTokenMs !== undefined) {
      cell.ttftSeen += 1;
      this.sample(minute, cell.ttfts, cell.ttftSeen, request.timeToFirstTokenMs);
    }
  }

  /** Keeps `value` as the `seen`-th of its cell: all up to the cap, then a uniform sample (reservoir). */
  private sample(minute: Minute, samples: number[], seen: number, value: number): void {
    if (samples.length < this.maxSamplesPerCell) {
      if (minute.samples >= this.maxSamplesPerMinute) return;
      samples.push(value);
      minute.samples += 1;
      return;
    }
    const slot = Math.floor(Math.random() * seen);
    if (slot < samples.length) samples[slot] = value;
  }

  private cell<T>(cells: Map<string, T>, key: string, create: () => T): T | undefined {
    const found = cells.get(key);
    if (found || cells.size >= this.maxCellsPerMinute) return found;
    const created = create();
    cells.set(key, created);
    return created;
  }

  private currentMinute(): Minute {
    const index = Math.floor(this.now() / minuteMs);
    const position = index % this.slots.length;
    let slot = this.slots[position];
    if (!slot || slot.index !== index) {
      // An hour-old slot is reused: memory stays at `minutes` slots whatever the uptime.
      slot = emptyMinute(index);
      this.slots[position] = slot;
    }
    return slot;
  }
}

/** The nearest-rank percentile: the smallest value at or above `percent`% of them. */
export function percentile(sorted: ArrayLike<number>, percent: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((percent / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

function latencyPoint(cells: LatencyCell[]): LatencyPoint {
  const latencies = sortedSamples(cells, (cell) => cell.latencies);
  const ttfts = sortedSamples(cells, (cell) => cell.ttfts);
  return {
    requests: cells.reduce((sum, cell) => sum + cell.requests, 0),
    p50_ms: percentile(latencies, 50),
    p95_ms: percentile(latencies, 95),
    ttft_p50_ms: percentile(ttfts, 50),
    ttft_p95_ms: percentile(ttfts, 95),
  };
}

/** The cells' samples in one typed array, sorted: a numeric sort without a comparator, several times faster. */
function sortedSamples(cells: LatencyCell[], samplesOf: (cell: LatencyCell) => number[]): Float64Array {
  const sorted = new Float64Array(cells.reduce((sum, cell) => sum + samplesOf(cell).length, 0));
  let offset = 0;
  for (const cell of cells) {
    sorted.set(samplesOf(cell), offset);
    offset += samplesOf(cell).length;
  }
  return sorted.sort();
}

function sumPoints(points: ProviderPoint[]): ProviderPoint {
  const total = { attempts: 0, errors: 0, failovers: 0 };
  for (const point of points) {
    total.attempts += point.attempts;
    total.errors += point.errors;
    total.failovers += point.failovers;
  }
  return total;
}

function emptyMinute(index: number): Minute {
  return { index, latency: new Map(), providers: new Map(), refusals: new Map(), samples: 0 };
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}
