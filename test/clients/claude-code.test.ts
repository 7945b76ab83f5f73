import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FakeAnthropic } from "../../src/fakes/anthropic/fake-anthropic.js";
import { openAiFlavor } from "../../src/fakes/openai/fake-openai.js";
import { streamReply } from "../../src/fakes/openai/openai-style-fake.js";
import { claudeCodeEnv, findClaudeBinary } from "../helpers/claude-code.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

/**
 * Claude Code itself (`claude -p`, the npm package @anthropic-ai/claude-code)
 * against the gateway wired to the fakes, with its default model (a current
 * Opus id the catalog does not know, aliased to `reasoning`). `--tools Read`
 * makes a run exactly two model calls: the model asks to read a file, then
 * answers from it.
 */
const claudeBinary = findClaudeBinary();
const notesText = "The launch code is PERSIMMON-42.";

describe.skipIf(!claudeBinary)("Claude Code through the Messages door", () => {
  let harness: Harness;
  let workDir: string;
  let notesPath: string;
  let mcpConfigPath: string;

  beforeAll(async () => {
    // Retries off on both sides, so one scripted answer is one call and an outage shows at once.
    harness = await startHarness({ env: { LLM_GATEWAY_MAX_RETRIES: "0" } });
    workDir = mkdtempSync(join(tmpdir(), "llmgw-claude-code-"));
    mkdirSync(join(workDir, "home"));
    mkdirSync(join(workDir, "project"));
    notesPath = join(workDir, "project", "notes.txt");
    writeFileSync(notesPath, `${notesText}\n`);
    mcpConfigPath = join(workDir, "mcp.json");
    writeFileSync(
      mcpConfigPath,
      JSON.stringify({ mcpServers: { gw: { type: "http", url: `${harness.url}/mcp` } } }),
    );
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => {
    await harness?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const runClaude = (project: string, args = ["-p", "What does notes.txt say?", "--tools", "Read"]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        claudeBinary as string,
        [...args, "--output-format", "json"],
        {
          cwd: join(workDir, "project"),
          timeout: 120_000,
          env: claudeCodeEnv({ home: join(workDir, "home"), gatewayUrl: harness.url, projectId: project }),
        },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });

  const usageOf = async (project: string) =>
    (await (await fetch(`${harness.url}/v1/usage?project_id=${project}&period=all`)).json()) as {
      requests: number;
      input_tokens: number;
      output_tokens: number;
      cost_usd: number;
      by_model: Record<string, { requests: number; input_tokens: number; output_tokens: number }>;
    };

  it("a tool-using session answered by Anthropic: every turn booked exactly", async () => {
    const anthropic = harness.fakes.anthropic as FakeAnthropic;
    anthropic.enqueueChat(
      anthropic.replies.toolCallStream(
        [{ name: "Read", argumentsJson: JSON.stringify({ file_path: notesPath }) }],
        { text: "Reading it.", usage: { inputTokens: 3000, outputTokens: 40 } },
      ),
      anthropic.replies.stream(["It says the launch code ", "is PERSIMMON-42."], {
        usage: { inputTokens: 3100, outputTokens: 12 },
      }),
    );
    const run = await runClaude("proj-claude-code");
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      is_error: false,
      result: "It says the launch code is PERSIMMON-42.",
    });

    const calls = anthropic.chatCalls();
    expect(calls).toHaveLength(2);
    for (const call of calls) expect(call.body).toMatchObject({ model: "claude-opus-4-5", stream: true });
    // The second turn carries the tool result Claude Code produced by reading the file.
    expect(JSON.stringify(calls[1]?.body)).toContain("PERSIMMON-42");
    // Natively to Anthropic, nothing lost: prompt-cache marks, the tool list and Claude Code's betas.
    const first = calls[0]?.body as {
      system: Array<{ cache_control?: unknown }>;
      tools: Array<{ name: string }>;
    };
    expect(first.system.some((block) => block.cache_control !== undefined)).toBe(true);
    expect(first.tools.map((tool) => tool.name)).toEqual(["Read"]);
    expect(calls[0]?.headers["anthropic-beta"]).toContain("claude-code-20250219");

    const usage = await usageOf("proj-claude-code");
    // claude-opus-4-5 at $5 / $25 per million tokens: (6100 x 5 + 52 x 25) / 1e6
    expect(usage).toMatchObject({ requests: 2, input_tokens: 6100, output_tokens: 52, cost_usd: 0.0318 });
    expect(Object.keys(usage.by_model)).toEqual(["claude-opus-4-5"]);
  }, 150_000);

  it("the same session with Anthropic down, answered by OpenAI: every turn booked exactly", async () => {
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat(
      anthropic.replies.error(529, "Overloaded"),
      anthropic.replies.error(529, "Overloaded"),
    );
    openai.enqueueChat(
      streamReply(openAiFlavor, {
        pieces: [],
        toolCalls: [
          {
            id: "call_read0000000000000001",
            name: "Read",
            argumentsJson: JSON.stringify({ file_path: notesPath }),
          },
        ],
        usage: { inputTokens: 2000, outputTokens: 30 },
      }),
      streamReply(openAiFlavor, {
        pieces: ["OpenAI read it: ", "PERSIMMON-42."],
        usage: { inputTokens: 2100, outputTokens: 10 },
      }),
    );
    const run = await runClaude("proj-claude-code-failover");
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      is_error: false,
      result: "OpenAI read it: PERSIMMON-42.",
    });

    expect(anthropic.chatCalls()).toHaveLength(2);
    const calls = openai.chatCalls();
    expect(calls).toHaveLength(2);
    // The tool call went out as OpenAI's, and its result came back as a `tool` message.
    const second = calls[1]?.body as { messages: Array<{ role: string; content: unknown }> } | undefined;
    const secondMessages = second?.messages ?? [];
    expect(secondMessages.find((message) => message.role === "tool")?.content).toContain("PERSIMMON-42");

    const usage = await usageOf("proj-claude-code-failover");
    // gpt-4.1 at $2 / $8 per million tokens: (4100 x 2 + 40 x 8) / 1e6
    expect(usage).toMatchObject({ requests: 2, input_tokens: 4100, output_tokens: 40, cost_usd: 0.00852 });
    expect(Object.keys(usage.by_model)).toEqual(["gpt-4.1"]);
  }, 150_000);

  it("Anthropic answers the tool call, then goes down: OpenAI finishes the same conversation, translated", async () => {
    const anthropic = harness.fakes.anthropic as FakeAnthropic;
    const { openai } = harness.fakes;
    anthropic.enqueueChat(
      anthropic.replies.toolCallStream(
        [{ name: "Read", argumentsJson: JSON.stringify({ file_path: notesPath }) }],
        { usage: { inputTokens: 3000, outputTokens: 40 } },
      ),
      anthropic.replies.error(529, "Overloaded"),
    );
    openai.enqueueChat(
      streamReply(openAiFlavor, {
        pieces: ["Mid-way failover: ", "PERSIMMON-42."],
        usage: { inputTokens: 2100, outputTokens: 10 },
      }),
    );
    const run = await runClaude("proj-claude-code-midway");
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      is_error: false,
      result: "Mid-way failover: PERSIMMON-42.",
    });
    // Anthropic's tool_use came back to OpenAI as its own tool call and tool message.
    const sent = openai.chatCalls()[0]?.body as { messages: Array<Record<string, unknown>> } | undefined;
    const messages = sent?.messages ?? [];
    const assistant = messages.find((message) => message.role === "assistant");
    expect(assistant?.tool_calls).toEqual([
      expect.objectContaining({ type: "function", function: expect.objectContaining({ name: "Read" }) }),
    ]);
    expect(messages.find((message) => message.role === "tool")?.content).toContain("PERSIMMON-42");

    const usage = await usageOf("proj-claude-code-midway");
    expect(usage.by_model).toMatchObject({
      "claude-opus-4-5": { requests: 1, input_tokens: 3000, output_tokens: 40 },
      "gpt-4.1": { requests: 1, input_tokens: 2100, output_tokens: 10 },
    });
    // (3000 x 5 + 40 x 25) / 1e6 + (2100 x 2 + 10 x 8) / 1e6
    expect(usage).toMatchObject({ requests: 2, input_tokens: 5100, output_tokens: 50, cost_usd: 0.02028 });
  }, 150_000);

  /**
   * For its default model (a current Opus id) Claude Code 2.1.197 sends the
   * MCP server's instructions as a `role: "system"` message right after the
   * first user turn; for older models it puts them in that user turn. The
   * default id goes to claude-opus-4-5, which refuses such a message (the fake
   * does too), so the gateway moves it to the end of `system`.
   */
  it("completes: the MCP server's instructions reach claude-opus-4-5 in system, booked once", async () => {
    const anthropic = harness.fakes.anthropic as FakeAnthropic;
    anthropic.enqueueChat(
      anthropic.replies.stream(["Hello from ", "the default model."], {
        usage: { inputTokens: 2500, outputTokens: 8 },
      }),
    );
    const run = await runClaude("proj-claude-code-mcp", [
      "-p",
      "Say hello.",
      "--mcp-config",
      mcpConfigPath,
      "--strict-mcp-config",
      "--tools",
      "",
    ]);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      is_error: false,
      result: "Hello from the default model.",
    });

    const calls = anthropic.chatCalls();
    expect(calls).toHaveLength(1);
    const sent = calls[0]?.body as {
      model: string;
      system: Array<{ text: string }>;
      messages: Array<{ role: string; content: unknown }>;
    };
    expect(sent.model).toBe("claude-opus-4-5");
    expect(sent.system.at(-1)?.text).toMatch(/^# MCP Server Instructions\n[\s\S]*## gw\n/);
    expect(sent.messages.map((message) => message.role)).toEqual(["user"]);
    expect(JSON.stringify(sent.messages)).not.toContain("MCP Server Instructions");

    const usage = await usageOf("proj-claude-code-mcp");
    expect(usage).toMatchObject({ requests: 1, input_tokens: 2500, output_tokens: 8 });
    expect(Object.keys(usage.by_model)).toEqual(["claude-opus-4-5"]);
  }, 150_000);
});

if (!claudeBinary) {
  console.warn(
    "claude-code.test.ts skipped: the Claude Code binary is missing (npm install -D @anthropic-ai/claude-code " +
      `installs @anthropic-ai/claude-code-${process.platform}-${process.arch}).`,
  );
}
