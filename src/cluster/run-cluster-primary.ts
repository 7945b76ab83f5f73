import cluster, { type Worker } from "node:cluster";
import type { Logger } from "pino";
import type { GatewayConfig } from "../config/gateway-config.js";
import { ClusterHub } from "./cluster-hub.js";
import { PrimaryGovernance } from "./primary-governance.js";

/** A worker that lived this long before dying starts the backoff afresh. */
const stableAfterMs = 10_000;
const firstRestartDelayMs = 100;
const maxRestartDelayMs = 30_000;
/** Beyond the workers' own shutdown deadline: then they are killed. */
const shutdownGraceMs = 5_000;

/**
 * `serve --workers N`: this process forks N workers that share the listening port (node:cluster
 * hands them connections in turn) and serves none itself. It replaces a worker that dies, after
 * a backoff that doubles while workers keep dying young, and on SIGTERM or SIGINT tells every
 * worker to shut down gracefully (each drains its requests as a single process does) and exits
 * once they all have. Without Redis it also keeps the cluster's budgets, rate limits and
 * circuits (`PrimaryGovernance`), which every worker uses over IPC.
 */
export async function runClusterPrimary(config: GatewayConfig, logger: Logger): Promise<void> {
  const hub = new ClusterHub();
  const governance = config.redisUrl ? undefined : await PrimaryGovernance.open(config, logger, hub);
  const workers = config.workers;
  const listening = new Set<number>();
  let announced = false;
  let stopping = false;
  let restartDelayMs = firstRestartDelayMs;
  let failedShutdown = false;
  const startedAt = new Map<Worker, number>();

  const fork = () => {
    // Marks the worker for `clusterWorkerLink` and the logger (node:cluster's own mark is gone once a worker runs).
    const worker = cluster.fork({ LLM_GATEWAY_CLUSTER_WORKER: "1" });
    startedAt.set(worker, Date.now());
    hub.attach(worker);
  };

  cluster.on("listening", (worker, address) => {
    listening.add(worker.id);
    const url = `http://${address.addressType === 6 ? `[${address.address}]` : address.address}:${address.port}`;
    if (!announced && listening.size >= workers) {
      announced = true;
      logger.info(
        { address: url, workers, shared: config.redisUrl ? "redis" : "primary" },
        `llm-gateway listening on ${url} with ${workers} workers`,
      );
    } else if (announced) {
      logger.info({ worker: worker.process.pid, address: url }, "replacement worker listening");
    }
  });

  cluster.on("exit", (worker, code, signal) => {
    listening.delete(worker.id);
    const pid = worker.process.pid ?? -worker.id;
    governance?.workerExited(pid);
    const lived = Date.now() - (startedAt.get(worker) ?? 0);
    startedAt.delete(worker);
    if (stopping) {
      if (code !== 0) failedShutdown = true;
      return;
    }
    if (lived >= stableAfterMs) restartDelayMs = firstRestartDelayMs;
    logger.error(
      { worker: pid, code, signal, restartInMs: restartDelayMs },
      `worker ${pid} died (${signal ?? `exit code ${code}`}); starting another in ${restartDelayMs} ms`,
    );
    const delay = restartDelayMs;
    restartDelayMs = Math.min(maxRestartDelayMs, restartDelayMs * 2);
    setTimeout(() => {
      if (!stopping) fork();
    }, delay).unref();
  });

  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info(
      { signal, workers: Object.keys(cluster.workers ?? {}).length },
      "shutting down: draining every worker",
    );
    const running = Object.values(cluster.workers ?? {}).filter(
      (worker): worker is Worker => worker !== undefined,
    );
    const exited = running.map(
      (worker) => new Promise<void>((resolve) => worker.once("exit", () => resolve())),
    );
    // Workers run main's graceful shutdown on SIGTERM (a terminal's Ctrl-C reached them already: they ignore the repeat).
    for (const worker of running) worker.process.kill("SIGTERM");
    const kill = setTimeout(() => {
      logger.error("workers still running past the shutdown deadline; killing them");
      failedShutdown = true;
      for (const worker of running) worker.process.kill("SIGKILL");
    }, config.shutdownTimeoutMs + shutdownGraceMs);
    await Promise.all(exited);
    clearTimeout(kill);
    await governance?.close();
    logger.info("shutdown complete");
    logger.flush();
    process.exitCode = failedShutdown ? 1 : 0;
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));

  for (let index = 0; index < workers; index += 1) fork();
}
