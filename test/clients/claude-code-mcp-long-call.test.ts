import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeAnthropic } from "../../src/fakes/anthropic/fake-anthropic.js";
import { claudeCodeEnv, findClaudeBinary } from "../helpers/claude-code.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

/**
 * Claude Code itself as the MCP client of `/mcp` (Streamable HTTP), calling
 * `chat_completion` on `fast` while claude-haiku takes 90 s to write its
 * answer, with the request timeout at 20 s. Claude Code abandons a tools/call
 * whose HTTP response has not started after 60 s ("The operation timed
 * out.", as the tool's result), so the answer only reaches its model if the
 * gateway starts the response before then (SSE headers, flushed at once) and
 * waits for the provider as long as it keeps writing, past the request timeout.
 *
 * Claude Code's own limits are left at their defaults (2.1.197, read from the
 * binary): 60 s for the response to start (MCP_TOOL_TIMEOUT raises it), 1e8 ms
 * per call in all, 300 s without a response or progress
 * (CLAUDE_CODE_MCP_TOOL_IDLE_TIMEOUT). An agent gets what this test gets.
 */
const claudeBinary = findClaudeBinary();
const project = "proj-mcp-long-call";
const requestTimeoutSeconds = 20;
/**
 * 20 pieces in 26 SSE events (message_start, content_block_start, ping, 20 deltas, content_block_stop,
 * message_delta, message_stop): 25 gaps of 3.6 s make 90 s, the first text after 10.8 s.
 */
const slowPieces = Array.from(
  { length: 20 },
  (_, index) => `Section ${String(index + 1).padStart(2, "0")} of the slow report is written. `,
);
const slowText = slowPieces.join("");
const chunkDelayMs = 3_600;
const finalAnswer = "The slow report arrived whole: twenty sections.";

interface ClaudeRun {
  code: number | null;
  stderr: string;
  /** Every JSON line of `--output-format stream-json`, with the moment it arrived. */
  lines: Array<{ at: number; event: StreamJsonEvent }>;
}

interface StreamJsonEvent {
  type: string;
  subtype?: string;
  result?: string;
  is_error?: boolean;
  mcp_servers?: Array<{ name: string; status: string }>;
  message?: { content?: Array<{ type: string; name?: string; is_error?: boolean; content?: unknown }> };
}

describe.skipIf(!claudeBinary)("Claude Code as the MCP client: a 90 s chat_completion", () => {
  let harness: Harness;
  let workDir: string;
  let mcpConfigPath: string;

  beforeAll(async () => {
    // Retries stay on (the default, 1): a cut call would show as a second claude-haiku request.
    harness = await startHarness({
      env: { LLM_GATEWAY_REQUEST_TIMEOUT_SECONDS: String(requestTimeoutSeconds) },
    });
    workDir = mkdtempSync(join(tmpdir(), "llmgw-claude-code-mcp-"));
    mkdirSync(join(workDir, "home"));
    mkdirSync(join(workDir, "project"));
    mcpConfigPath = join(workDir, "mcp.json");
    writeFileSync(
      mcpConfigPath,
      JSON.stringify({ mcpServers: { gw: { type: "http", url: `${harness.url}/mcp` } } }),
    );
  });
  afterAll(async () => {
    await harness?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const runClaude = () =>
    new Promise<ClaudeRun>((resolve) => {
      const child = spawn(
        claudeBinary as string,
        [
          "-p",
          "Ask the fast model group for the slow report, then tell me what arrived.",
          // Claude Code's default model (a current Opus id, aliased to `reasoning`): it sends the MCP
          // server's instructions as a `role: "system"` message, which claude-opus-4-5 gets in `system`.
          "--mcp-config",
          mcpConfigPath,
          "--strict-mcp-config",
          "--tools",
          "",
          "--allowedTools",
          "mcp__gw__chat_completion",
          "--output-format",
          "stream-json",
          "--verbose",
        ],
        {
          cwd: join(workDir, "project"),
          stdio: ["ignore", "pipe", "pipe"],
          // Claude Code's own model is the gateway's Messages door, booked to another project.
          env: claudeCodeEnv({
            home: join(workDir, "home"),
            gatewayUrl: harness.url,
            projectId: "proj-claude-code-model",
          }),
        },
      );
      const lines: ClaudeRun["lines"] = [];
      let stderr = "";
      child.stderr.on("data", (chunk) => {
        stderr += String(chunk);
      });
      createInterface({ input: child.stdout }).on("line", (line) => {
        if (line.trim()) lines.push({ at: performance.now(), event: JSON.parse(line) as StreamJsonEvent });
      });
      const killer = setTimeout(() => child.kill("SIGKILL"), 170_000);
      child.on("close", (code) => {
        clearTimeout(killer);
        resolve({ code, stderr, lines });
      });
    });

  it("waits for the whole answer: one upstream call, no failover, booked once, handed to Claude Code's model", async () => {
    const anthropic = harness.fakes.anthropic as FakeAnthropic;
    const toolArguments = {
      project_id: project,
      agent_id: "claude-code",
      model_group: "fast",
      messages: [{ role: "user", content: "Write the slow report." }],
    };
    // One queue serves both: Claude Code's model (its default id, answered by claude-opus-4-5), then
    // the tool's claude-haiku call, then Claude Code's model again with the tool result.
    anthropic.enqueueChat(
      anthropic.replies.toolCallStream(
        [{ name: "mcp__gw__chat_completion", argumentsJson: JSON.stringify(toolArguments) }],
        { text: "Asking the fast group.", usage: { inputTokens: 2000, outputTokens: 60 } },
      ),
      anthropic.replies.stream(slowPieces, { chunkDelayMs, usage: { inputTokens: 500, outputTokens: 400 } }),
      anthropic.replies.stream([finalAnswer], { usage: { inputTokens: 2600, outputTokens: 15 } }),
    );

    const run = await runClaude();
    const transcript = `${run.stderr}\n${run.lines.map((line) => JSON.stringify(line.event)).join("\n")}`;
    expect(run.code, transcript).toBe(0);
    const events = run.lines.map((line) => line.event);
    expect(events.find((event) => event.subtype === "init")?.mcp_servers).toEqual([
      { name: "gw", status: "connected" },
    ]);

    // The tool call as Claude Code lived it: from its model's tool_use to the tool_result.
    const blockLine = (type: string) =>
      run.lines.find((line) => line.event.message?.content?.some((block) => block.type === type));
    const toolUse = blockLine("tool_use");
    const toolResult = blockLine("tool_result");
    expect(toolUse?.event.message?.content?.[0]?.name ?? "", transcript).toBe("mcp__gw__chat_completion");
    const resultBlock = toolResult?.event.message?.content?.find((block) => block.type === "tool_result");
    expect(resultBlock?.is_error ?? false, transcript).toBe(false);
    expect(JSON.stringify(resultBlock?.content)).toContain(slowText);
    const toolCallSeconds = ((toolResult?.at ?? 0) - (toolUse?.at ?? 0)) / 1000;

    const final = events.find((event) => event.type === "result");
    expect(final).toMatchObject({ is_error: false, result: finalAnswer });

    // Upstream: exactly one claude-haiku call (no retry), nothing from the rest of `fast` (no failover).
    const calls = anthropic.chatCalls();
    const modelOf = (call: (typeof calls)[number]) => (call.body as { model?: string }).model;
    expect(calls.map(modelOf)).toEqual(["claude-opus-4-5", "claude-haiku-4-5", "claude-opus-4-5"]);
    expect(harness.fakes.openai.chatCalls()).toHaveLength(0);
    expect(harness.fakes.google.chatCalls()).toHaveLength(0);
    // Claude Code's model received the slow answer whole, as the tool result.
    const [, haikuCall, secondTurn] = calls;
    const sentMessages = (secondTurn?.body as { messages?: Array<{ content: unknown }> } | undefined)
      ?.messages;
    const sentBlocks = (sentMessages ?? []).flatMap((message) =>
      Array.isArray(message.content) ? (message.content as Array<{ type: string }>) : [],
    );
    const sentResult = sentBlocks.find((block) => block.type === "tool_result");
    expect(JSON.stringify(sentResult)).toContain(slowText);
    const upstreamSeconds = ((secondTurn?.receivedAt ?? 0) - (haikuCall?.receivedAt ?? 0)) / 1000;

    const usage = (await (
      await fetch(`${harness.url}/v1/usage?project_id=${project}&period=all`)
    ).json()) as {
      requests: number;
      by_model: Record<string, unknown>;
    };
    // claude-haiku at $1 / $5 per million tokens: (500 x 1 + 400 x 5) / 1e6
    expect(usage).toMatchObject({ requests: 1, input_tokens: 500, output_tokens: 400, cost_usd: 0.0025 });
    expect(Object.keys(usage.by_model)).toEqual(["claude-haiku"]);

    console.info(
      `Claude Code's chat_completion took ${toolCallSeconds.toFixed(1)} s (tool_use to tool_result in its ` +
        `stream-json; ${upstreamSeconds.toFixed(1)} s from the claude-haiku request to Claude Code's next ` +
        `model call), request timeout ${requestTimeoutSeconds} s.`,
    );
    // The call did outlast the request timeout and Claude Code's 60 s for a response to start.
    expect(toolCallSeconds).toBeGreaterThan(80);
  }, 180_000);
});

if (!claudeBinary) {
  console.warn("claude-code-mcp-long-call.test.ts skipped: the Claude Code binary is missing.");
}
