import { randomBytes } from "node:crypto";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Every gateway a test starts writes its log lines under `test-artifacts/logs/`
 * and the secrets it was configured with (provider and client keys) under
 * `test-artifacts/secrets/`, so the end of the run can grep every log line of
 * the whole run for every key (see log-secret-scan.ts). Both are gitignored.
 */
export const testArtifactsDir = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));
const logsDir = join(testArtifactsDir, "logs");
const secretsDir = join(testArtifactsDir, "secrets");

/** Keys shorter than this are not worth grepping for (an empty key of a keyless local server). */
const minSecretLength = 8;

export interface TestLogFile {
  readonly path: string;
  /** Appends raw output (one or more lines) as the process wrote it. */
  append(text: string): void;
}

/** A fresh log file for one gateway (in process or a child process). */
export function createTestLogFile(label: string): TestLogFile {
  mkdirSync(logsDir, { recursive: true });
  const path = join(logsDir, `${label}-${process.pid}-${randomBytes(4).toString("hex")}.log`);
  writeFileSync(path, "");
  return { path, append: (text) => appendFileSync(path, text) };
}

/** Records the secrets one gateway was configured with, by name (the name, never the value, is reported). */
export function registerTestSecrets(label: string, secrets: Record<string, string | undefined>): void {
  mkdirSync(secretsDir, { recursive: true });
  const kept = Object.fromEntries(
    Object.entries(secrets).filter(
      (entry): entry is [string, string] => (entry[1]?.length ?? 0) >= minSecretLength,
    ),
  );
  writeFileSync(
    join(secretsDir, `${label}-${process.pid}-${randomBytes(4).toString("hex")}.json`),
    JSON.stringify(kept),
  );
}

export interface SecretFinding {
  file: string;
  line: number;
  secretName: string;
}

/** Every log line of the run that holds a registered secret; `dir` defaults to this run's artifacts. */
export function scanTestLogsForSecrets(dir: string = testArtifactsDir): SecretFinding[] {
  const secrets = new Map<string, string>();
  for (const file of listFiles(join(dir, "secrets"))) {
    for (const [name, value] of Object.entries(JSON.parse(readFileSync(file, "utf8")) as object)) {
      secrets.set(String(value), name);
    }
  }
  const findings: SecretFinding[] = [];
  for (const file of listFiles(join(dir, "logs"))) {
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((text, index) => {
        for (const [value, name] of secrets) {
          if (text.includes(value)) findings.push({ file, line: index + 1, secretName: name });
        }
      });
  }
  return findings;
}

/** Removes the previous run's logs and secrets. */
export function resetTestLogFiles(dir: string = testArtifactsDir): void {
  for (const sub of ["logs", "secrets"]) rmSync(join(dir, sub), { recursive: true, force: true });
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((name) => join(dir, name));
}
