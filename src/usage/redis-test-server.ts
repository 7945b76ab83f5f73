import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/** A real redis-server child process on a free loopback port, for tests that stop and restart Redis. */
export interface RedisTestServer {
  readonly port: number;
  readonly url: string;
  /** SIGKILL, like a crash; with `appendOnly` every acknowledged write survives it. */
  kill(): Promise<void>;
  /** Starts again on the same port and directory. */
  restart(): Promise<void>;
  /** SIGSTOP: the port still accepts connections but nothing answers (a hung server). */
  pause(): void;
  resume(): void;
  /** Kills it for good and removes its directory. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export async function startRedisTestServer(
  options: { appendOnly?: boolean; extraArgs?: string[] } = {},
): Promise<RedisTestServer> {
  const dir = await mkdtemp(join(tmpdir(), "redis-test-"));
  const port = await freePort();
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    options.appendOnly ? "yes" : "no",
    // Every acknowledged write is in the file before the reply: with the default `everysec`, a
    // loaded machine's slow fsync lets Redis postpone the write (up to 2 s) after acknowledging it,
    // and a SIGKILL then loses it (seen on Node 22 at load: 17 of 3,000 bookings).
    ...(options.appendOnly ? ["--appendfsync", "always"] : []),
    "--dir",
    dir,
    "--daemonize",
    "no",
    ...(options.extraArgs ?? []),
  ];
  let child = await spawnRedis(args);
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGCONT");
    child.kill("SIGKILL");
    await exited;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    async restart() {
      await kill();
      child = await spawnRedis(args);
    },
    pause: () => child.kill("SIGSTOP"),
    resume: () => child.kill("SIGCONT"),
    async stop() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Whether `redis-server` can be started here (the Redis tests are skipped where it cannot). */
export function redisServerInstalled(): boolean {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A Redis Cluster of `size` masters (no replicas), all slots assigned. */
export async function startRedisTestCluster(
  size = 3,
): Promise<{ servers: RedisTestServer[]; stop(): Promise<void> }> {
  const servers = await Promise.all(
    Array.from({ length: size }, () =>
      startRedisTestServer({ extraArgs: ["--cluster-enabled", "yes", "--cluster-node-timeout", "2000"] }),
    ),
  );
  const nodes = servers.map((server) => `127.0.0.1:${server.port}`);
  const run = promisify(execFile);
  await run("redis-cli", ["--cluster", "create", ...nodes, "--cluster-replicas", "0", "--cluster-yes"]);
  for (const server of servers) {
    for (let attempt = 0; ; attempt += 1) {
      const { stdout } = await run("redis-cli", ["-p", String(server.port), "cluster", "info"]);
      if (stdout.includes("cluster_state:ok")) break;
      if (attempt > 100) throw new Error(`cluster node ${server.port} never reached cluster_state:ok`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { servers, stop: async () => void (await Promise.all(servers.map((server) => server.stop()))) };
}

async function spawnRedis(args: string[]): Promise<ChildProcess> {
  const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.resume();
    child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    child.once("error", reject);
  });
  return child;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no TCP port");
  return address.port;
}
