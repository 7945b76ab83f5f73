import { availableParallelism } from "node:os";

/** `--workers`, `LLM_GATEWAY_WORKERS` or `server.workers`: a count, or "auto" for one process per core. */
export type WorkerSetting = number | "auto";

/** The number of processes to serve with: "auto" is the cores this process may run on. */
export function resolveWorkerCount(setting: WorkerSetting): number {
  return setting === "auto" ? availableParallelism() : setting;
}

/** Reads the value of `--workers`; undefined when it is neither "auto" nor a whole number from 1 to 1024. */
export function parseWorkerSetting(value: string | undefined): WorkerSetting | undefined {
  if (value === "auto") return "auto";
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const count = Number(value);
  return count >= 1 && count <= 1024 ? count : undefined;
}
