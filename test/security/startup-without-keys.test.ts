import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeProviderKeys } from "../helpers/gateway-harness.js";
import { createTestLogFile, registerTestSecrets } from "../helpers/test-log-files.js";
import { clientKeys } from "./security-fixtures.js";

/** The built entry point (npm test builds before testing). */
const mainJs = new URL("../../dist/main.js", import.meta.url).pathname;

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `node dist/main.js` with only these variables (plus PATH), its output kept for the log scan. */
function startMain(env: Record<string, string>, dataDir: string): Run {
  registerTestSecrets("main", {
    "provider key openai": env.OPENAI_API_KEY,
    "client key": env.LLM_GATEWAY_API_KEYS?.split("=")[0],
  });
  const logFile = createTestLogFile("main");
  const child = spawn(process.execPath, [mainJs], {
    env: { PATH: process.env.PATH ?? "", LLM_GATEWAY_DATA_DIR: dataDir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    logFile.append(chunk.toString("utf8"));
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  // "close", not "exit": the child's last output may still be unread when it exits.
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls /health until the process serves (or exits); the gateway's logs are buffered until shutdown. */
async function waitServing(run: Run, port: number): Promise<void> {
  let exited = false;
  void run.exited.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`llm-gateway exited before serving:\n${run.output()}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Serves, then stops with SIGTERM and returns everything it wrote (its logs flush on shutdown). */
async function serveThenStop(run: Run, port: number, whileServing?: () => Promise<void>): Promise<string> {
  try {
    await waitServing(run, port);
    await whileServing?.();
  } finally {
    run.child.kill("SIGTERM");
  }
  expect(await run.exited).toBe(0);
  return run.output();
}

describe("start-up without client keys (node dist/main.js)", () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), "llmgw-startup-"));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const base = { LLM_GATEWAY_LOG_LEVEL: "info", OPENAI_API_KEY: fakeProviderKeys.openai };

  it("refuses to bind a non-loopback address, naming LLM_GATEWAY_API_KEYS", async () => {
    const run = startMain({ ...base, LLM_GATEWAY_HOST: "0.0.0.0", LLM_GATEWAY_PORT: "0" }, dataDir);
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain("refusing to serve 0.0.0.0 without client keys");
    expect(run.output()).toContain("LLM_GATEWAY_API_KEYS");
    expect(run.output()).toContain("LLM_GATEWAY_ALLOW_UNAUTHENTICATED=true");
  });

  it("serves a non-loopback address with LLM_GATEWAY_ALLOW_UNAUTHENTICATED=true, and warns", async () => {
    const port = await freePort();
    const run = startMain(
      {
        ...base,
        LLM_GATEWAY_HOST: "0.0.0.0",
        LLM_GATEWAY_PORT: String(port),
        LLM_GATEWAY_ALLOW_UNAUTHENTICATED: "true",
      },
      dataDir,
    );
    const output = await serveThenStop(run, port);
    const warning = output
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .find((line) => line.msg.includes("LLM_GATEWAY_ALLOW_UNAUTHENTICATED=true"));
    expect(warning?.level).toBe(40);
    expect(warning?.msg).toContain("anyone who can reach this address can spend");
  });

  it("serves loopback without keys and says so in its log", async () => {
    const port = await freePort();
    const run = startMain(
      { ...base, LLM_GATEWAY_HOST: "127.0.0.1", LLM_GATEWAY_PORT: String(port) },
      dataDir,
    );
    const output = await serveThenStop(run, port, async () => {
      // Unauthenticated on loopback: a request without a key is served.
      expect((await fetch(`http://127.0.0.1:${port}/v1/models`)).status).toBe(200);
    });
    expect(output).toContain("no client keys configured: serving without authentication, on loopback only");
  });

  it("serves a non-loopback address with client keys, without the warning, and requires them", async () => {
    const port = await freePort();
    const run = startMain(
      {
        ...base,
        LLM_GATEWAY_HOST: "0.0.0.0",
        LLM_GATEWAY_PORT: String(port),
        LLM_GATEWAY_API_KEYS: `${clientKeys.projectA}=proj-a`,
      },
      dataDir,
    );
    const output = await serveThenStop(run, port, async () => {
      expect((await fetch(`http://127.0.0.1:${port}/v1/models`)).status).toBe(401);
      const authorized = await fetch(`http://127.0.0.1:${port}/v1/models`, {
        headers: { authorization: `Bearer ${clientKeys.projectA}` },
      });
      expect(authorized.status).toBe(200);
    });
    expect(output).not.toContain("no client keys configured");
    expect(output).toContain("llm-gateway listening on");
  });
});
