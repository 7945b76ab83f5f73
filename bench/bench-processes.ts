import { type ChildProcess, fork, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

/** A process of the bench whose CPU and memory are measured from /proc. */
export interface BenchProcess {
  pid: number;
  stop(): Promise<void>;
}

export const clockTicksPerSecond = 100;

/** User + system CPU seconds a process has used so far (/proc/<pid>/stat, 10 ms resolution). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
}

/** Resident set size in bytes (/proc/<pid>/status VmRSS). */
export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** A bench-only TypeScript script as a child with IPC; resolves with its first message. */
export async function forkScript<Ready>(
  file: string,
  args: string[] = [],
): Promise<{ process: BenchProcess; child: ChildProcess; ready: Ready }> {
  const child = fork(file, args, {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once("message", (message) => resolve(message as Ready));
    child.once("exit", (code) => reject(new Error(`${file} exited (${code}) before it was ready`)));
  });
  return { process: { pid: child.pid as number, stop: () => stopChild(child) }, child, ready };
}

export interface GatewaySpawn {
  /** The checkout whose dist/main.js runs. */
  root: string;
  env: Record<string, string>;
  /** The gateway's stdout (its pino log lines) and stderr go to this file. */
  logPath: string;
  /** node --cpu-prof into this directory. */
  cpuProfileDir?: string;
  /** Run the gateway with this many file descriptors at most (`ulimit -n`), as a small server would. */
  fdLimit?: number;
  /** A command the gateway runs under (valgrind and its options); it keeps the gateway's pid. */
  wrapper?: string[];
  /** How long /health may take to answer (15 s unless given). */
  startUpTimeoutMs?: number;
}

/** `node dist/main.js` on a free port, as operators run it; resolves once /health answers. */
export async function spawnGateway(options: GatewaySpawn): Promise<BenchProcess & { url: string }> {
  const port = await freePort();
  const log = openSync(options.logPath, "a");
  const execArgv = options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const command = [
    ...(options.wrapper ?? []),
    process.execPath,
    ...execArgv,
    join(options.root, "dist/main.js"),
  ];
  const [file, args] =
    options.fdLimit === undefined
      ? [command[0] as string, command.slice(1)]
      : ["/bin/sh", ["-c", `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, ...command]];
  const child = spawn(file, args, {
    env: {
      PATH: process.env.PATH ?? "",
      LLM_GATEWAY_HOST: "127.0.0.1",
      LLM_GATEWAY_PORT: String(port),
      ...options.env,
    },
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const startUpDeadline = performance.now() + (options.startUpTimeoutMs ?? 15_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited early; see ${options.logPath}`);
    if (await answers(`${url}/health`)) break;
    if (performance.now() > startUpDeadline) throw new Error(`gateway did not start; see ${options.logPath}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    pid: child.pid as number,
    url,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}
