import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The native binary of Codex CLI's platform package, which the wrapper's bin
 * script would start, or undefined when it is not installed.
 */
export function findCodexBinary(): string | undefined {
  const modules = new URL("../../node_modules/@openai/", import.meta.url).pathname;
  const arch = process.arch === "x64" ? "x86_64" : process.arch === "arm64" ? "aarch64" : process.arch;
  const triples =
    process.platform === "linux"
      ? [`${arch}-unknown-linux-musl`, `${arch}-unknown-linux-gnu`]
      : [`${arch}-apple-darwin`, `${arch}-pc-windows-msvc`];
  return triples
    .map((triple) =>
      join(modules, `codex-${process.platform}-${process.arch}`, "vendor", triple, "bin", "codex"),
    )
    .find((path) => existsSync(path));
}

/**
 * A private Codex home whose config sends `model` to the gateway through a
 * `model_providers` entry with `wire_api = "responses"`, retries off (one
 * scripted answer is one call), the project from `GW_PROJECT`.
 */
export function writeCodexConfig(home: string, gatewayUrl: string, model: string): void {
  writeFileSync(
    join(home, "config.toml"),
    [
      `model = "${model}"`,
      'model_provider = "gw"',
      "[model_providers.gw]",
      'name = "gw"',
      `base_url = "${gatewayUrl}/v1"`,
      'env_key = "GW_KEY"',
      'wire_api = "responses"',
      "request_max_retries = 0",
      "stream_max_retries = 0",
      'http_headers = { "x-agent-id" = "codex" }',
      'env_http_headers = { "x-project-id" = "GW_PROJECT" }',
      "",
    ].join("\n"),
  );
}

/** `codex exec` in `workDir/project` with the home `workDir/home`, booked to `project`. */
export function runCodex(
  binary: string,
  workDir: string,
  project: string,
  prompt = "What does notes.txt say?",
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      binary,
      ["exec", "--skip-git-repo-check", "--sandbox", "read-only", prompt],
      {
        cwd: join(workDir, "project"),
        timeout: 120_000,
        env: {
          PATH: process.env.PATH ?? "",
          // A private home: the run reads nothing of this machine's.
          HOME: join(workDir, "home"),
          CODEX_HOME: join(workDir, "home"),
          GW_KEY: "unused-without-client-keys",
          GW_PROJECT: project,
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    // `codex exec` reads more prompt from a stdin that is not a terminal until it closes.
    child.stdin?.end();
  });
}
