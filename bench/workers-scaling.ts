import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { loadFor, type Target } from "./bench-load.js";
import { type BenchProcess, clockTicksPerSecond, cpuSeconds, spawnGateway } from "./bench-processes.js";
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
  const totals = new Map<number, LoadTotals>();
  for (let round = 0; round < options.rounds; round++) {
    options.log(`round ${round + 1}/${options.rounds}: 1 vs 2 workers at ${options.connections} connections`);
    const order = round % 2 === 0 ? gateways : [...gateways].reverse();
    for (const { workers, process } of order) {
      const cpuBefore = treeCpuSeconds(process.pid);
      const machineBefore = machineBusySeconds();
      const result = await loadFor(targetOf(process), {
        connections: options.connections,
        seconds: options.seconds,
      });
      const sum = totals.get(workers) ?? { requests: 0, seconds: 0, cpuSeconds: 0, machineBusySeconds: 0 };
      sum.requests += result.requests;
      sum.seconds += result.seconds;
      sum.cpuSeconds += treeCpuSeconds(process.pid) - cpuBefore;
      sum.machineBusySeconds += machineBusySeconds() - machineBefore;
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
  const ceiling = machineCeiling(totals.get(1));
  return {
    rows,
    target: {
      name: "RPS scaling 1->2 workers >= 1.8x",
      met: scaling >= 1.8,
      detail: `${scaling.toFixed(2)}x (${rps(2).toFixed(0)} vs ${rps(1).toFixed(0)} req/s); ${ceiling}`,
    },
  };
}

/**
 * The most two workers could scale on this machine, from the 1-worker run: each request also costs
 * the load generator's and the fake upstream's CPU, on the same cores. Were each request to cost the
 * machine what it did at 1 worker, all cores busy would serve 1 / (the busy fraction) times as many.
 */
function machineCeiling(oneWorker: LoadTotals | undefined): string {
  if (!oneWorker || oneWorker.requests === 0) return "no 1-worker run";
  const cores = availableParallelism();
  const busyFraction = oneWorker.machineBusySeconds / (cores * oneWorker.seconds);
  const micros = (seconds: number) => (seconds * 1e6).toFixed(0);
  return (
    `at 1 worker the ${cores} cores were ${(busyFraction * 100).toFixed(0)} % busy, ` +
    `${micros(oneWorker.machineBusySeconds / oneWorker.requests)} us of machine CPU a request ` +
    `(the gateway's ${micros(oneWorker.cpuSeconds / oneWorker.requests)}, the rest the load generator ` +
    `and the fake upstream): this machine allows at most ${(1 / busyFraction).toFixed(2)}x`
  );
}

/** CPU seconds every core of the machine has spent busy since boot (/proc/stat: all but idle, iowait and time stolen by the hypervisor). */
function machineBusySeconds(): number {
  const [, ...ticks] = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq] = ticks.map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) / clockTicksPerSecond;
}

interface LoadTotals {
  requests: number;
  seconds: number;
  /** The gateway's: its primary and every worker. */
  cpuSeconds: number;
  /** The whole machine's, every process on it. */
  machineBusySeconds: number;
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
