import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * The native binary of Claude Code's platform package, or undefined when it
 * is not installed. Not the wrapper's bin: npm runs no install scripts here,
 * and the wrapper's postinstall is what copies it.
 */
export function findClaudeBinary(): string | undefined {
  const modules = new URL("../../node_modules/@anthropic-ai/", import.meta.url).pathname;
  const platform = `${process.platform}-${process.arch}`;
  return [`claude-code-${platform}/claude`, `claude-code-${platform}-musl/claude`]
    .map((relative) => join(modules, relative))
    .find((path) => existsSync(path));
}

/**
 * The environment of a `claude -p` run against a gateway: a private home and
 * config (the run reads nothing of this machine's), the gateway as its
 * Anthropic base URL with the project and agent as headers, no telemetry, no
 * update check, no non-essential calls and no retries of its own.
 */
export function claudeCodeEnv(options: {
  home: string;
  gatewayUrl: string;
  projectId: string;
}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: options.home,
    CLAUDE_CONFIG_DIR: join(options.home, ".claude"),
    ANTHROPIC_BASE_URL: options.gatewayUrl,
    ANTHROPIC_API_KEY: "sk-ant-gateway-unused-without-client-keys",
    ANTHROPIC_CUSTOM_HEADERS: `x-project-id: ${options.projectId}\nx-agent-id: claude-code`,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_TELEMETRY: "1",
    CLAUDE_CODE_MAX_RETRIES: "0",
  };
}

/** `claude -p` with JSON output in `cwd`, against a gateway, booked to `projectId`. */
export function runClaudeCode(
  binary: string,
  options: { cwd: string; home: string; gatewayUrl: string; projectId: string; args: string[] },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      binary,
      [...options.args, "--output-format", "json"],
      {
        cwd: options.cwd,
        timeout: 120_000,
        env: claudeCodeEnv({
          home: options.home,
          gatewayUrl: options.gatewayUrl,
          projectId: options.projectId,
        }),
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
