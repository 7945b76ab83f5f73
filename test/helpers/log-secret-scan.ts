import { resetTestLogFiles, scanTestLogsForSecrets } from "./test-log-files.js";

/**
 * Vitest globalSetup: clears the log artifacts before the run, and after it
 * greps every log line every test gateway wrote for every key any of them was
 * configured with (DESIGN.md: provider keys never appear in logs). Vitest
 * only logs a failing teardown, so a finding also sets the exit code.
 */
export function setup(): void {
  resetTestLogFiles();
}

export function teardown(): void {
  const findings = scanTestLogsForSecrets();
  if (findings.length === 0) return;
  const lines = findings.map((finding) => `  ${finding.secretName} in ${finding.file}:${finding.line}`);
  process.exitCode = 1;
  throw new Error(`Secrets found in the gateway's logs:\n${lines.join("\n")}`);
}
