import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFakeAnthropic } from "../../src/fakes/anthropic/fake-anthropic.js";
import type { FakeProvider } from "../../src/fakes/fake-provider.js";
import { readSseData } from "../helpers/read-sse.js";
import { runCli } from "../helpers/run-cli.js";
import { spawnGateway } from "../helpers/spawn-gateway.js";

const story = ["Once", " upon", " a", " time", " there", " was", " a", " gateway."];

describe("graceful shutdown on SIGTERM", () => {
  let anthropic: FakeProvider;
  let dataDir: string;
  beforeAll(async () => {
    anthropic = await createFakeAnthropic();
    dataDir = mkdtempSync(join(tmpdir(), "llmgw-shutdown-"));
  });
  afterAll(async () => {
    await anthropic.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const env = () => ({
    LLM_GATEWAY_DATA_DIR: dataDir,
    ANTHROPIC_API_KEY: "sk-ant-shutdown-test",
    ANTHROPIC_BASE_URL: anthropic.baseUrl,
  });
  const streamRequest = (url: string) =>
    fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-project-id": "proj-shutdown" },
      body: JSON.stringify({
        model: "reasoning",
        stream: true,
        messages: [{ role: "user", content: "A story" }],
      }),
    });

  it("stops accepting, lets the in-flight stream finish, books it, then exits 0", async () => {
    const gateway = await spawnGateway(env());
    anthropic.enqueueChat(
      anthropic.replies.stream(story, { chunkDelayMs: 150, usage: { inputTokens: 20, outputTokens: 8 } }),
    );
    const response = await streamRequest(gateway.url);
    const reader = readSseData(response.body as ReadableStream<Uint8Array>);
    const first = await reader.next();
    expect(first.done).toBe(false);

    gateway.child.kill("SIGTERM");
    // New connections are refused while the stream drains (about a second more of chunks). A loaded
    // machine may take a moment to deliver the signal, so ask until refused rather than once.
    let refusedWhileDraining = false;
    for (const deadline = Date.now() + 900; !refusedWhileDraining && Date.now() < deadline; ) {
      refusedWhileDraining = await fetch(`${gateway.url}/health`).then(
        () => false,
        () => true,
      );
      if (!refusedWhileDraining) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(refusedWhileDraining).toBe(true);

    let text = JSON.parse(first.value as string).choices[0]?.delta?.content ?? "";
    let sawDone = false;
    for await (const data of { [Symbol.asyncIterator]: () => reader }) {
      if (data === "[DONE]") sawDone = true;
      else text += JSON.parse(data).choices[0]?.delta?.content ?? "";
    }
    expect(sawDone).toBe(true);
    expect(text).toBe(story.join(""));
    expect(await gateway.exited).toBe(0);
    expect(gateway.logs.some((line) => line.msg === "shutdown complete")).toBe(true);

    const usage = await runCli(["usage", "--project", "proj-shutdown"], { LLM_GATEWAY_DATA_DIR: dataDir });
    expect(usage.stdout).toMatch(/total\s+1\s+20\s+8/);
  });

  it("gives up on requests still open after the shutdown deadline and exits non-zero", async () => {
    const configPath = join(dataDir, "short-deadline.yaml");
    writeFileSync(configPath, "server:\n  shutdown_timeout_seconds: 1\n");
    const gateway = await spawnGateway({ ...env(), LLM_GATEWAY_CONFIG: configPath });
    const stuck = new (await import("../../src/fakes/fake-upstream-server.js")).ControlledStream();
    anthropic.enqueueChat({ type: "controlled", stream: stuck });
    const pending = streamRequest(gateway.url).catch(() => undefined);
    await stuck.opened();
    const started = Date.now();
    gateway.child.kill("SIGTERM");
    expect(await gateway.exited).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(gateway.logs.some((line) => String(line.msg).includes("shutdown deadline passed"))).toBe(true);
    stuck.end();
    await pending;
  });
});
