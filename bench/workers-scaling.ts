import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadFor, type Target } from "./bench-load.js";
import { type BenchProcess, cpuSeconds, spawnGateway } from "./bench-processes.js";
import type { Row } from "./bench-table.js";

/**
 * `serve --workers 1` vs `--workers 2`: the same chat load at the same connections on two
 * gateways that differ only in their worker count, interleaved round by round. The target
 * is requests per second scaling >= 1.8x from 1 to 2 workers on a 2-core machine; on a machine
 * whose cores also run the load generator and the fake upstream (as the bench's do), two workers
 * compete with them, so the ratio measured here is a floor of what a dedicated machine shows.
 */
export async function measureWorkerScaling(options: {
  root: string;
  work: string;
  env: (name: string) => Record<string, string>;
  /** The chat request to repeat, pointed at each gateway by url and pid. */
  request: Omit<Target, "url" | "pid">;
  rounds: number;
  seconds: number;
  connections: number;
  warmup: number;
  processes: BenchProcess[];
  log: (message: string) => void;
}): Promise<{ rows: Row[]; target: { name: string; met: boolean; detail: string } }> {
  const gateways: Array<{ workers: number; process: BenchProcess & { url: string } }> = [];
  for (const workers of [1, 2]) {
    const logPath = join(options.work, `workers-${workers}.log`);
    const process = await spawnGateway({
      root: options.root,
      env: { ...options.env(`workers-${workers}`), LLM_GATEWAY_WORKERS: String(workers) },
      logPath,
    });
    options.processes.push(process);
    // /health answers once one worker listens: the load waits for all of them.
    if (workers > 1) await waitFor(() => readFileSync(logPath, "utf8").includes(`"workers":${workers},`));
    gateways.push({ workers, process });
  }
  const targetOf = (process: BenchProcess & { url: string }): Target => ({
    ...options.request,
    url: `${process.url}/v1/chat/completions`,
    pid: process.pid,
  });
  // Each worker compiles the hot paths on its own: three times the bench's warm-up per worker (the
  // bench's alone left the workers' V8 compiling through the measurement: +40% CPU a request).
  for (const { workers, process } of gateways) {
    await loadFor(targetOf(process), { connections: 8, amount: options.warmup * 3 * workers });
  }
  const totals = new Map<number, { requests: number; seconds: number; cpuSeconds: number }>();
  for (let round = 0; round < options.rounds; round++) {
    options.log(`round ${round + 1}/${options.rounds}: 1 vs 2 workers at ${options.connections} connections`);
    const order = round % 2 === 0 ? gateways : [...gateways].reverse();
    for (const { workers, process } of order) {
      const cpuBefore = treeCpuSeconds(process.pid);
      const result = await loadFor(targetOf(process), {
        connections: options.connections,
        seconds: options.seconds,
      });
      const sum = totals.get(workers) ?? { requests: 0, seconds: 0, cpuSeconds: 0 };
      sum.requests += result.requests;
      sum.seconds += result.seconds;
      sum.cpuSeconds += treeCpuSeconds(process.pid) - cpuBefore;
      totals.set(workers, sum);
    }
  }
  const rps = (workers: number) => {
    const sum = totals.get(workers);
    return sum ? sum.requests / sum.seconds : Number.NaN;
  };
  const rows = [...totals].map(([workers, sum]) => ({
    scenario: "workers",
    target: `${workers} worker${workers === 1 ? "" : "s"}`,
    count: sum.requests,
    requestsPerSecond: sum.requests / sum.seconds,
    // The primary and every worker: what the gateway costs the machine per request.
    cpuMicrosPerRequest: (sum.cpuSeconds / sum.requests) * 1e6,
    note: `chat at ${options.connections} connections, serve --workers ${workers}`,
  }));
  const scaling = rps(2) / rps(1);
  return {
    rows,
    target: {
      name: "RPS scaling 1->2 workers >= 1.8x",
      met: scaling >= 1.8,
      detail: `${scaling.toFixed(2)}x (${rps(2).toFixed(0)} vs ${rps(1).toFixed(0)} req/s; the load generator and the fake upstream share the cores)`,
    },
  };
}

/** CPU seconds of a process and its children (a cluster primary's workers). */
function treeCpuSeconds(pid: number): number {
  let total = cpuSeconds(pid);
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const children = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
    for (const child of children ? children.split(" ") : []) {
      try {
        total += treeCpuSeconds(Number(child));
      } catch {
        // The child exited in between.
      }
    }
  }
  return total;
}

async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  for (const until = Date.now() + timeoutMs; !condition(); ) {
    if (Date.now() > until) throw new Error("the gateway's workers did not all start");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
