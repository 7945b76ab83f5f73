import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { mainJs } from "./run-cli.js";
import { createTestLogFile, registerTestSecrets } from "./test-log-files.js";

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  logs: Array<Record<string, unknown>>;
  /** Resolves with the exit code once the process ended. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * `node dist/main.js` as its own process, as operators run it: resolves once
 * it logged the address it listens on. Its JSON log lines are collected.
 */
export async function spawnGateway(
  env: Record<string, string>,
  args: string[] = [],
): Promise<GatewayProcess> {
  // The end-of-run scan greps these logs for every key this process was given.
  registerTestSecrets("spawned", {
    ...Object.fromEntries(Object.entries(env).filter(([name]) => name.endsWith("_API_KEY"))),
    ...Object.fromEntries(
      (env.LLM_GATEWAY_API_KEYS ?? "")
        .split(",")
        .map((entry, index) => [`client key ${index + 1}`, entry.split("=")[0]]),
    ),
  });
  const logFile = createTestLogFile("spawned");
  const child = spawn(process.execPath, [mainJs, ...args], {
    env: { PATH: process.env.PATH ?? "", LLM_GATEWAY_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
    logFile.append(String(chunk));
  });
  // "close", not "exit": the child's last output may still be unread when it exits.
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      logFile.append(`${line}\n`);
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (typeof entry.address === "string") resolve(entry.address);
      } catch {
        // not a log line
      }
    });
    void exited.then((code) => reject(new Error(`gateway exited (${code}) before listening: ${stderr}`)));
  });
  return {
    child,
    url,
    logs,
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
