import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFakeBedrock,
  type FakeBedrock,
  fakeBedrockIdentity,
} from "../../src/fakes/bedrock/fake-bedrock.js";
import { claudeCodeEnv, findClaudeBinary } from "../helpers/claude-code.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { allTimeUsageOf } from "../helpers/sdk-clients.js";

/**
 * Claude Code (`claude -p`) with Anthropic down, as a team with a Bedrock
 * contract runs it: claude-opus-4-5 has two deployments, Anthropic's API and
 * Bedrock's cross-region inference profile, so the same model answers from
 * Bedrock and the chain's next step (gpt-4.1) is never asked. `--tools Read`
 * makes the run two model calls: a tool call, then the answer.
 */
const claudeBinary = findClaudeBinary();
const notesText = "The launch code is PERSIMMON-42.";
const opusProfile = "us.anthropic.claude-opus-4-5-20251101-v1:0";

describe.skipIf(!claudeBinary)(
  "Claude Code with Anthropic down, answered by the same model on Bedrock",
  () => {
    let harness: Harness;
    let bedrock: FakeBedrock;
    let workDir: string;
    let notesPath: string;

    beforeAll(async () => {
      bedrock = await createFakeBedrock();
      harness = await startHarness({
        configYaml: `
providers:
  bedrock: { kind: bedrock, base_url: "${bedrock.baseUrl}", bedrock: { region: us-east-1 } }
deployments:
  claude-opus-4-5:
    - { provider: anthropic }
    - { provider: bedrock, provider_model_id: "${opusProfile}" }
`,
        env: {
          LLM_GATEWAY_MAX_RETRIES: "0",
          AWS_ACCESS_KEY_ID: fakeBedrockIdentity.accessKeys[0]?.accessKeyId ?? "",
          AWS_SECRET_ACCESS_KEY: fakeBedrockIdentity.accessKeys[0]?.secretAccessKey ?? "",
        },
      });
      workDir = mkdtempSync(join(tmpdir(), "llmgw-claude-code-bedrock-"));
      mkdirSync(join(workDir, "home"));
      mkdirSync(join(workDir, "project"));
      notesPath = join(workDir, "project", "notes.txt");
      writeFileSync(notesPath, `${notesText}\n`);
    });
    afterAll(async () => {
      await harness?.close();
      await bedrock?.close();
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    });

    it("reads the file and answers: both turns from Bedrock, booked exactly as claude-opus-4-5", async () => {
      const { anthropic, openai } = harness.fakes;
      anthropic.server.intercept((call) =>
        call.method === "POST" ? anthropic.replies.error(529, "Overloaded") : undefined,
      );
      bedrock.enqueueChat(
        bedrock.replies.toolCall("Read", JSON.stringify({ file_path: notesPath }), {
          inputTokens: 3000,
          outputTokens: 40,
        }),
        bedrock.replies.text("Bedrock read it: PERSIMMON-42.", { inputTokens: 3100, outputTokens: 12 }),
      );

      const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          claudeBinary as string,
          ["-p", "What does notes.txt say?", "--tools", "Read", "--output-format", "json"],
          {
            cwd: join(workDir, "project"),
            timeout: 120_000,
            env: claudeCodeEnv({
              home: join(workDir, "home"),
              gatewayUrl: harness.url,
              projectId: "proj-claude-code-bedrock",
            }),
          },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
            resolve({ code, stdout, stderr });
          },
        );
      });
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
      expect(openai.chatCalls()).toHaveLength(0);

      const usage = await allTimeUsageOf(harness.url, "proj-claude-code-bedrock");
      // claude-opus-4-5 at $5 / $25 per million tokens: (6100 x 5 + 52 x 25) / 1e6
      expect(usage).toMatchObject({ requests: 2, input_tokens: 6100, output_tokens: 52, cost_usd: 0.0318 });
      expect(Object.keys(usage.by_model)).toEqual(["claude-opus-4-5"]);
    }, 150_000);
  },
);
