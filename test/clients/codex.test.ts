import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FakeAnthropic } from "../../src/fakes/anthropic/fake-anthropic.js";
import { openAiResponsesPath, openAiResponsesReplies } from "../../src/fakes/openai/fake-openai-responses.js";
import { findCodexBinary, runCodex as runCodexIn, writeCodexConfig } from "../helpers/codex.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

/**
 * Codex CLI itself (`codex exec`, the npm package @openai/codex) against the
 * gateway wired to the fakes, through a `model_providers` entry with
 * `wire_api = "responses"`. The fake model asks Codex to run `exec_command`
 * (`cat notes.txt`), then answers from the function_call_output: two model
 * calls per run.
 */
const codexBinary = findCodexBinary();
const notesText = "The launch code is PERSIMMON-42.";
const execCall = { name: "exec_command", argumentsJson: JSON.stringify({ cmd: "cat notes.txt" }) };

describe.skipIf(!codexBinary)("Codex CLI through the Responses door", () => {
  let harness: Harness;
  let workDir: string;

  beforeAll(async () => {
    // Retries off on both sides, so one scripted answer is one call and an outage shows at once.
    harness = await startHarness({
      env: { LLM_GATEWAY_MAX_RETRIES: "0" },
      configYaml: "model_groups:\n  agentic: [gpt-4.1, claude-sonnet-4]\n",
    });
    workDir = mkdtempSync(join(tmpdir(), "llmgw-codex-"));
    mkdirSync(join(workDir, "home"));
    mkdirSync(join(workDir, "project"));
    writeFileSync(join(workDir, "project", "notes.txt"), `${notesText}\n`);
    writeCodexConfig(join(workDir, "home"), harness.url, "agentic");
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => {
    await harness?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const runCodex = (project: string) => runCodexIn(codexBinary as string, workDir, project);

  const usageOf = async (project: string) =>
    (await (await fetch(`${harness.url}/v1/usage?project_id=${project}&period=all`)).json()) as {
      requests: number;
      input_tokens: number;
      output_tokens: number;
      cached_input_tokens: number;
      cost_usd: number;
      by_agent: Record<string, unknown>;
      by_model: Record<string, { requests: number }>;
    };
  const responsesCalls = () => harness.fakes.openai.server.callsTo(openAiResponsesPath);

  it("a tool-using run answered by OpenAI natively: every turn booked exactly", async () => {
    harness.fakes.openai.server.enqueue(
      openAiResponsesPath,
      openAiResponsesReplies.stream({
        functionCall: execCall,
        reasoning: { summary: "Read the file.", encryptedContent: "gAAAA-opaque-reasoning" },
        usage: { inputTokens: 5000, outputTokens: 30, cachedInputTokens: 1000, reasoningTokens: 10 },
      }),
      openAiResponsesReplies.stream({
        text: "OpenAI says: PERSIMMON-42.",
        usage: { inputTokens: 5200, outputTokens: 12, cachedInputTokens: 4000 },
      }),
    );
    const run = await runCodex("proj-codex");
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toContain("OpenAI says: PERSIMMON-42.");

    const calls = responsesCalls();
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.body).toMatchObject({ model: "gpt-4.1", stream: true, store: false });
      expect(call.headers.authorization).not.toContain("unused-without-client-keys");
    }
    const second = calls[1]?.body as { input: Array<Record<string, unknown>> };
    // Natively, nothing lost: the encrypted reasoning goes back to OpenAI with the call and Codex's output.
    expect(second.input).toContainEqual(
      expect.objectContaining({ type: "reasoning", encrypted_content: "gAAAA-opaque-reasoning" }),
    );
    expect(second.input).toContainEqual(
      expect.objectContaining({ type: "function_call", name: "exec_command" }),
    );
    const output = second.input.find((item) => item.type === "function_call_output");
    expect(JSON.stringify(output)).toContain("PERSIMMON-42");

    const usage = await usageOf("proj-codex");
    // gpt-4.1 at $2 input, $0.50 cached input, $8 output per million tokens:
    // ((10200 - 5000) x 2 + 5000 x 0.5 + 42 x 8) / 1e6
    expect(usage).toMatchObject({
      requests: 2,
      input_tokens: 10200,
      output_tokens: 42,
      cached_input_tokens: 5000,
    });
    expect(usage.cost_usd).toBeCloseTo(0.013236, 9);
    expect(Object.keys(usage.by_model)).toEqual(["gpt-4.1"]);
    expect(Object.keys(usage.by_agent)).toEqual(["codex"]);
  }, 150_000);

  it("the same run with OpenAI down, answered by Anthropic through the translation: every turn booked exactly", async () => {
    const { openai } = harness.fakes;
    const anthropic = harness.fakes.anthropic as FakeAnthropic;
    openai.server.enqueue(
      openAiResponsesPath,
      openai.replies.error(500, "boom"),
      openai.replies.error(429, "slow"),
    );
    anthropic.enqueueChat(
      anthropic.replies.toolCallStream([execCall], { usage: { inputTokens: 4000, outputTokens: 20 } }),
      anthropic.replies.stream(["Claude says: ", "PERSIMMON-42."], {
        usage: { inputTokens: 4100, outputTokens: 9 },
      }),
    );
    const run = await runCodex("proj-codex-failover");
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toContain("Claude says: PERSIMMON-42.");

    expect(responsesCalls()).toHaveLength(2);
    const calls = anthropic.chatCalls();
    expect(calls).toHaveLength(2);
    const first = calls[0]?.body as { tools: Array<{ name: string }> };
    // Codex's functions, its namespace flattened; web_search cannot run on Anthropic and is left out.
    expect(first.tools.map((tool) => tool.name)).toContain("exec_command");
    expect(first.tools.map((tool) => tool.name)).toContain("spawn_agent");
    expect(first.tools.map((tool) => tool.name)).not.toContain("web_search");
    // The second turn carries the command's output Codex produced as a tool_result.
    const second = JSON.stringify(calls[1]?.body);
    expect(second).toContain("tool_result");
    expect(second).toContain("PERSIMMON-42");

    const usage = await usageOf("proj-codex-failover");
    // claude-sonnet-4 at $3 / $15 per million tokens: (8100 x 3 + 29 x 15) / 1e6
    expect(usage).toMatchObject({ requests: 2, input_tokens: 8100, output_tokens: 29, cost_usd: 0.024735 });
    expect(Object.keys(usage.by_model)).toEqual(["claude-sonnet-4"]);
  }, 150_000);
});

if (!codexBinary) {
  console.warn(
    "codex.test.ts skipped: the Codex CLI binary is missing (npm install -D @openai/codex installs " +
      `@openai/codex-${process.platform}-${process.arch} as an optional dependency).`,
  );
}
