import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFakeBedrock,
  type FakeBedrock,
  fakeBedrockIdentity,
} from "../../src/fakes/bedrock/fake-bedrock.js";
import { createFakeVertex, type FakeVertex } from "../../src/fakes/vertex/fake-vertex.js";
import { findClaudeBinary, runClaudeCode } from "../helpers/claude-code.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { allTimeUsageOf } from "../helpers/sdk-clients.js";
import { registerTestSecrets } from "../helpers/test-log-files.js";

/**
 * Claude Code (`claude -p`) with Anthropic down, as teams with a cloud
 * contract run it: claude-opus-4-5 has a second deployment on Bedrock (a
 * cross-region inference profile, through Converse) or on Vertex AI (the
 * Messages request passed whole), so the same model answers and the chain's
 * next step (gpt-4.1) is never asked. `--tools Read` makes a run two model
 * calls: a tool call, then the answer.
 */
const claudeBinary = findClaudeBinary();
const notesText = "The launch code is PERSIMMON-42.";
const opusProfile = "us.anthropic.claude-opus-4-5-20251101-v1:0";
const sonnetOnVertex = "claude-sonnet-4@20250514";

describe.skipIf(!claudeBinary)(
  "Claude Code with Anthropic down, answered by the same model on a cloud platform",
  () => {
    let harness: Harness;
    let bedrock: FakeBedrock;
    let vertex: FakeVertex;
    let workDir: string;
    let notesPath: string;

    beforeAll(async () => {
      bedrock = await createFakeBedrock();
      vertex = await createFakeVertex();
      registerTestSecrets("claude-code-cloud-platforms", {
        VERTEX_PRIVATE_KEY: vertex.account.privateKeyPem,
      });
      // claude-opus-4-5 on Anthropic and Bedrock; claude-sonnet-4 (Claude Code's --model) on Anthropic and Vertex.
      harness = await startHarness({
        configYaml: `
providers:
  bedrock: { kind: bedrock, base_url: "${bedrock.baseUrl}", bedrock: { region: us-east-1 } }
  vertex-claude: { kind: vertex-anthropic, base_url: "${vertex.baseUrl}", location: ${vertex.location}, credentials_file: "${vertex.account.credentialsFile}" }
deployments:
  claude-opus-4-5:
    - { provider: anthropic }
    - { provider: bedrock, provider_model_id: "${opusProfile}" }
  claude-sonnet-4:
    - { provider: anthropic }
    - { provider: vertex-claude, provider_model_id: "${sonnetOnVertex}" }
`,
        env: {
          LLM_GATEWAY_MAX_RETRIES: "0",
          AWS_ACCESS_KEY_ID: fakeBedrockIdentity.accessKeys[0]?.accessKeyId ?? "",
          AWS_SECRET_ACCESS_KEY: fakeBedrockIdentity.accessKeys[0]?.secretAccessKey ?? "",
        },
      });
      const { anthropic } = harness.fakes;
      anthropic.server.intercept((call) =>
        call.method === "POST" ? anthropic.replies.error(529, "Overloaded") : undefined,
      );
      workDir = mkdtempSync(join(tmpdir(), "llmgw-claude-code-cloud-"));
      mkdirSync(join(workDir, "home"));
      mkdirSync(join(workDir, "project"));
      notesPath = join(workDir, "project", "notes.txt");
      writeFileSync(notesPath, `${notesText}\n`);
    });
    afterAll(async () => {
      await harness?.close();
      await bedrock?.close();
      await vertex?.close();
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    });

    const runClaude = (projectId: string, extraArgs: string[] = []) =>
      runClaudeCode(claudeBinary as string, {
        cwd: join(workDir, "project"),
        home: join(workDir, "home"),
        gatewayUrl: harness.url,
        projectId,
        args: ["-p", "What does notes.txt say?", "--tools", "Read", ...extraArgs],
      });

    it("Bedrock: both turns through Converse, booked exactly as claude-opus-4-5", async () => {
      bedrock.enqueueChat(
        bedrock.replies.toolCall("Read", JSON.stringify({ file_path: notesPath }), {
          inputTokens: 3000,
          outputTokens: 40,
        }),
        bedrock.replies.text("Bedrock read it: PERSIMMON-42.", { inputTokens: 3100, outputTokens: 12 }),
      );
      const run = await runClaude("proj-claude-code-bedrock");
      expect(run.code, run.stderr + run.stdout).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        is_error: false,
        result: "Bedrock read it: PERSIMMON-42.",
      });

      const calls = bedrock.chatCalls();
      expect(calls).toHaveLength(2);
      for (const call of calls) expect(call.path).toContain(encodeURIComponent(opusProfile));
      // The second turn carries the tool result Claude Code produced, as a Converse toolResult block.
      expect(JSON.stringify(calls[1]?.body)).toContain("toolResult");
      expect(JSON.stringify(calls[1]?.body)).toContain("PERSIMMON-42");
      expect(harness.fakes.openai.chatCalls()).toHaveLength(0);

      const usage = await allTimeUsageOf(harness.url, "proj-claude-code-bedrock");
      // claude-opus-4-5 at $5 / $25 per million tokens: (6100 x 5 + 52 x 25) / 1e6
      expect(usage).toMatchObject({ requests: 2, input_tokens: 6100, output_tokens: 52, cost_usd: 0.0318 });
      expect(Object.keys(usage.by_model)).toEqual(["claude-opus-4-5"]);
    }, 150_000);

    it("Vertex: both turns passed whole to rawPredict, Claude Code's cache marks kept, booked as claude-sonnet-4", async () => {
      const claude = vertex.claude;
      claude.enqueueChat(
        claude.replies.toolCallStream(
          [{ name: "Read", argumentsJson: JSON.stringify({ file_path: notesPath }) }],
          {
            usage: { inputTokens: 3000, outputTokens: 40 },
          },
        ),
        claude.replies.stream(["Vertex read it: ", "PERSIMMON-42."], {
          usage: { inputTokens: 3100, outputTokens: 12 },
        }),
      );
      const callsBefore = vertex.calls("anthropic").length;
      const run = await runClaude("proj-claude-code-vertex", ["--model", "claude-sonnet-4"]);
      expect(run.code, run.stderr + run.stdout).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        is_error: false,
        result: "Vertex read it: PERSIMMON-42.",
      });

      const calls = vertex.calls("anthropic").slice(callsBefore);
      expect(calls).toHaveLength(2);
      for (const call of calls) {
        expect(call.path).toContain(`/publishers/anthropic/models/${sonnetOnVertex}:streamRawPredict`);
        expect(call.body).toMatchObject({ anthropic_version: "vertex-2023-10-16", stream: true });
        expect(call.body).not.toHaveProperty("model");
      }
      const first = calls[0]?.body as {
        system: Array<{ cache_control?: unknown }>;
        tools: Array<{ name: string }>;
      };
      expect(first.system.some((block) => block.cache_control !== undefined)).toBe(true);
      expect(first.tools.map((tool) => tool.name)).toEqual(["Read"]);
      expect(JSON.stringify(calls[1]?.body)).toContain("PERSIMMON-42");
      expect(harness.fakes.openai.chatCalls()).toHaveLength(0);

      const usage = await allTimeUsageOf(harness.url, "proj-claude-code-vertex");
      // claude-sonnet-4 at $3 / $15 per million tokens: (6100 x 3 + 52 x 15) / 1e6
      expect(usage).toMatchObject({ requests: 2, input_tokens: 6100, output_tokens: 52, cost_usd: 0.01908 });
      expect(Object.keys(usage.by_model)).toEqual(["claude-sonnet-4"]);
    }, 150_000);
  },
);
