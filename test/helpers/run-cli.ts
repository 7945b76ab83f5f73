import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";

/** The built entry point (npm test builds before testing). */
export const mainJs = new URL("../../dist/main.js", import.meta.url).pathname;

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `llm-gateway <args>` with exactly the given environment (plus PATH). */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<CliResult> {
  const fullEnv = { PATH: process.env.PATH ?? "", ...env };
  if (stdin !== undefined) {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [mainJs, ...args], { env: fullEnv });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      child.stderr.on("data", (chunk) => (stderr += chunk));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(stdin);
    });
  }
  try {
    const { stdout, stderr } = await run(process.execPath, [mainJs, ...args], {
      env: fullEnv,
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}
