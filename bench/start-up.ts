import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cpuSeconds, freePort } from "./bench-processes.js";
import { percentile, type Row } from "./bench-table.js";

/*
 * Start-up: `node dist/main.js` (serve, the embedded SQLite store in an empty
 * data dir, no Redis, no OpenTelemetry) from spawn to the first 200 from
 * GET /health, polled every 2 ms, with where the time went as the gateway logs it (its listening
 * line's `startUpMs`: Node's boot, its modules, config, compose, app, listen). Run by `npm run bench`, or alone, after
 * `npm run build`, on any Node binary:
 *
 *   npx tsx bench/start-up.ts [--node PATH] [--runs N] [--root CHECKOUT] [--baseline CHECKOUT]
 *
 * --baseline starts another build (an older commit's) interleaved with this one.
 */

export const startUpTargetMs = 300;

export interface StartUpResult {
  /** What started: "gateway", or "baseline" for the build compared against. */
  name: string;
  /** The Node version that ran it. */
  node: string;
  /** Milliseconds from spawn to a healthy /health, one per run. */
  runs: number[];
  /**
   * CPU milliseconds (user + system, 10 ms resolution) the gateway had used by then: what start-up
   * costs whatever else loads the machine.
   */
  cpu: number[];
  /** The gateway's own account of each run (`startUpMs` of its listening line); empty for a build without it. */
  phases: Array<Record<string, number>>;
}

export interface StartUpTarget {
  name: string;
  /** The checkout whose dist/main.js runs. */
  root: string;
  /** The node binary; the one running the bench by default. */
  node?: string;
}

/** Starts each target `runs` times, interleaved, so load from elsewhere falls on all alike. */
export async function measureStartUp(targets: StartUpTarget[], runs: number): Promise<StartUpResult[]> {
  const results = targets.map((target) => ({
    name: target.name,
    node: execFileSync(target.node ?? process.execPath, ["--version"], { encoding: "utf8" }).trim(),
    runs: [] as number[],
    cpu: [] as number[],
    phases: [] as Array<Record<string, number>>,
  }));
  for (let run = 0; run < runs; run++) {
    for (const [index, target] of targets.entries()) {
      const started = await startOnce(target.root, target.node ?? process.execPath);
      results[index]?.runs.push(started.ms);
      results[index]?.cpu.push(started.cpuMs);
      if (started.phases) results[index]?.phases.push(started.phases);
    }
  }
  return results;
}

async function startOnce(
  root: string,
  node: string,
): Promise<{ ms: number; cpuMs: number; phases: Record<string, number> | undefined }> {
  const dataDir = mkdtempSync(join(tmpdir(), "llmgw-start-up-"));
  const port = await freePort();
  const started = performance.now();
  const child = spawn(node, [join(root, "dist/main.js")], {
    env: {
      PATH: process.env.PATH ?? "",
      LLM_GATEWAY_HOST: "127.0.0.1",
      LLM_GATEWAY_PORT: String(port),
      LLM_GATEWAY_DATA_DIR: dataDir,
      // Info: the listening line, which says where the time went, and nothing per request.
      LLM_GATEWAY_LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  try {
    for (const until = started + 30_000; ; ) {
      if (child.exitCode !== null) throw new Error(`the gateway exited during start-up:\n${stderr}`);
      if ((await healthStatus(port)) === 200) {
        const ms = performance.now() - started;
        const cpuMs = cpuSeconds(child.pid as number) * 1000;
        return { ms, cpuMs, phases: startUpPhasesOf(stdout) };
      }
      if (performance.now() > until) throw new Error(`no healthy /health within 30 s:\n${stderr}`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 2));
    }
  } finally {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `startUpMs` of the gateway's listening line, written before it listened. */
function startUpPhasesOf(logs: string): Record<string, number> | undefined {
  for (const line of logs.split("\n")) {
    if (!line.includes('"startUpMs"')) continue;
    return (JSON.parse(line) as { startUpMs: Record<string, number> }).startUpMs;
  }
  return undefined;
}

/** Each phase's median over the runs, in the order the gateway logs them: "node 61, modules 140, ...". */
export function medianPhases(result: StartUpResult): string {
  const [first] = result.phases;
  if (!first) return "no phases logged";
  return Object.keys(first)
    .map(
      (phase) =>
        `${phase} ${percentile(
          result.phases.map((run) => run[phase] ?? Number.NaN),
          50,
        ).toFixed(0)}`,
    )
    .join(", ");
}

/** The status of GET /health, or 0 while nothing listens. */
function healthStatus(port: number): Promise<number> {
  return new Promise((resolveStatus) => {
    const call = request({ host: "127.0.0.1", port, path: "/health", agent: false }, (response) => {
      response.resume();
      response.once("end", () => resolveStatus(response.statusCode ?? 0));
    });
    call.once("error", () => resolveStatus(0));
    call.end();
  });
}

export function startUpRow(result: StartUpResult): Row {
  return {
    scenario: "start-up",
    target: result.name,
    count: result.runs.length,
    p50: percentile(result.runs, 50),
    p90: percentile(result.runs, 90),
    p99: percentile(result.runs, 99),
    note: `spawn to a healthy /health, empty data dir, ${result.node}; max ${Math.max(...result.runs).toFixed(0)} ms; CPU median ${percentile(result.cpu, 50).toFixed(0)} ms; median ms of each phase as logged: ${medianPhases(result)}`,
  };
}

export function startUpTarget(result: StartUpResult) {
  const median = percentile(result.runs, 50);
  return {
    name: `start-up to a healthy /health <= ${startUpTargetMs} ms (median, ${result.name})`,
    met: median <= startUpTargetMs,
    detail: `median ${median.toFixed(0)} ms, max ${Math.max(...result.runs).toFixed(0)} ms over ${result.runs.length} starts, CPU median ${percentile(result.cpu, 50).toFixed(0)} ms (${result.node})`,
  };
}

if (import.meta.filename === resolve(process.argv[1] ?? "")) {
  const flag = (name: string) => {
    const index = process.argv.indexOf(name);
    return index >= 0 ? process.argv[index + 1] : undefined;
  };
  const node = flag("--node");
  const baseline = flag("--baseline");
  const results = await measureStartUp(
    [
      { name: "gateway", root: resolve(flag("--root") ?? "."), ...(node ? { node: resolve(node) } : {}) },
      ...(baseline
        ? [{ name: "baseline", root: resolve(baseline), ...(node ? { node: resolve(node) } : {}) }]
        : []),
    ],
    Number(flag("--runs") ?? 15),
  );
  for (const result of results) {
    const target = startUpTarget(result);
    process.stdout.write(
      `${target.met ? "met   " : "MISSED"}  ${target.name}: ${target.detail}\n  runs (ms): ${result.runs.map((run) => run.toFixed(0)).join(" ")}\n  CPU (ms): ${result.cpu.map((cpu) => cpu.toFixed(0)).join(" ")}\n  median phases (ms, as logged): ${medianPhases(result)}\n`,
    );
  }
}
