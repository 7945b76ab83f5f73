/** One line of the bench's table (and of its JSON). Latencies in ms. */
export interface Row {
  scenario: string;
  target: string;
  /** Requests the latencies come from. */
  count: number;
  p50?: number;
  mean?: number;
  p90?: number;
  p99?: number;
  /** p50 minus the direct call's p50. */
  addedP50?: number;
  /** addedP50 over the floor's addedP50. */
  addedRatioToFloor?: number;
  /** Mean and p99 minus the direct call's, each over the floor's (sequential rows). */
  addedMeanRatioToFloor?: number;
  addedP99RatioToFloor?: number;
  /** The process's RSS right after its load at the plan's connections. */
  rssUnderLoadMb?: number;
  requestsPerSecond?: number;
  cpuMicrosPerRequest?: number;
  note?: string;
}

export function mean(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Nearest-rank percentile of unsorted values. */
export function percentile(values: number[], rank: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((rank / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

const columns: Array<[string, (row: Row) => string]> = [
  ["scenario", (row) => row.scenario],
  ["target", (row) => row.target],
  ["n", (row) => String(row.count)],
  ["p50 ms", (row) => fixed(row.p50, 3)],
  ["mean ms", (row) => fixed(row.mean, 3)],
  ["p90 ms", (row) => fixed(row.p90, 3)],
  ["p99 ms", (row) => fixed(row.p99, 3)],
  ["added p50 ms", (row) => fixed(row.addedP50, 3)],
  ["x floor", (row) => fixed(row.addedRatioToFloor, 2)],
  ["mean x floor", (row) => fixed(row.addedMeanRatioToFloor, 2)],
  ["p99 x floor", (row) => fixed(row.addedP99RatioToFloor, 2)],
  ["req/s", (row) => fixed(row.requestsPerSecond, 0)],
  ["CPU us/req", (row) => fixed(row.cpuMicrosPerRequest, 0)],
  ["RSS MB", (row) => fixed(row.rssUnderLoadMb, 0)],
  ["note", (row) => row.note ?? ""],
];

/** The rows as a Markdown table, so the closing note can paste it. */
export function formatTable(rows: Row[]): string {
  const cells = rows.map((row) => columns.map(([, cell]) => cell(row)));
  const widths = columns.map(([title], index) =>
    Math.max(title.length, ...cells.map((line) => (line[index] ?? "").length)),
  );
  const line = (values: string[]) =>
    `| ${values.map((value, index) => value.padEnd(widths[index] ?? 0)).join(" | ")} |`;
  return [
    line(columns.map(([title]) => title)),
    line(widths.map((width) => "-".repeat(width))),
    ...cells.map(line),
  ].join("\n");
}

function fixed(value: number | undefined, digits: number): string {
  return value === undefined || Number.isNaN(value) ? "" : value.toFixed(digits);
}
