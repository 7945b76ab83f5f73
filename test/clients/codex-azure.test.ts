import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { azureFakeApiKey, createFakeAzureOpenAi } from "../../src/fakes/azure/fake-azure-openai.js";
import type { FakeProvider } from "../../src/fakes/fake-provider.js";
import { openAiResponsesPath, openAiResponsesReplies } from "../../src/fakes/openai/fake-openai-responses.js";
import { findCodexBinary, runCodex, writeCodexConfig } from "../helpers/codex.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { allTimeUsageOf } from "../helpers/sdk-clients.js";

/**
 * Codex CLI (`codex exec`, `wire_api = "responses"`) with OpenAI down, as a
 * team with an Azure contract runs it: gpt-4.1 has two deployments, OpenAI's
 * API and an Azure deployment on the v1 API, whose Responses endpoint takes
 * Codex's requests whole. The run is two model calls: `exec_command`, then the answer.
 */
const codexBinary = findCodexBinary();
const azureResponsesPath = "/openai/v1/responses";

describe.skipIf(!codexBinary)("Codex CLI with OpenAI down, answered by the same model on Azure", () => {
  let harness: Harness;
  let azure: FakeProvider;
  let workDir: string;

  beforeAll(async () => {
    azure = await createFakeAzureOpenAi();
    harness = await startHarness({
      configYaml: `
providers:
  azure: { kind: azure, base_url: "${azure.baseUrl}", api_version: v1 }
deployments:
  gpt-4.1:
    - { provider: openai }
    - { provider: azure }
model_groups:
  agentic: [gpt-4.1, claude-sonnet-4]
`,
      env: { LLM_GATEWAY_MAX_RETRIES: "0", AZURE_OPENAI_API_KEY: azureFakeApiKey },
    });
    workDir = mkdtempSync(join(tmpdir(), "llmgw-codex-azure-"));
    mkdirSync(join(workDir, "home"));
    mkdirSync(join(workDir, "project"));
    writeFileSync(join(workDir, "project", "notes.txt"), "The launch code is PERSIMMON-42.\n");
    writeCodexConfig(join(workDir, "home"), harness.url, "agentic");
  });
  afterAll(async () => {
    await harness?.close();
    await azure?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it("both turns go natively to Azure's Responses API, booked exactly as gpt-4.1; Anthropic never asked", async () => {
    const { openai, anthropic } = harness.fakes;
    openai.server.intercept((call) =>
      call.method === "POST" ? openai.replies.error(500, "down") : undefined,
    );
    azure.server.enqueue(
      azureResponsesPath,
      openAiResponsesReplies.stream({
        functionCall: { name: "exec_command", argumentsJson: JSON.stringify({ cmd: "cat notes.txt" }) },
        usage: { inputTokens: 5000, outputTokens: 30 },
      }),
      openAiResponsesReplies.stream({
        text: "Azure says: PERSIMMON-42.",
        usage: { inputTokens: 5200, outputTokens: 12 },
      }),
    );

    const run = await runCodex(codexBinary as string, workDir, "proj-codex-azure");
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toContain("Azure says: PERSIMMON-42.");

    const calls = azure.server.callsTo(azureResponsesPath);
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      // The deployment name as the model, Azure's key header, Codex's own request otherwise.
      expect(call.body).toMatchObject({ model: "gpt-4.1", stream: true, store: false });
      expect(call.headers["api-key"]).toBe(azureFakeApiKey);
    }
    const second = calls[1]?.body as { input: Array<Record<string, unknown>> };
    const output = second.input.find((item) => item.type === "function_call_output");
    expect(JSON.stringify(output)).toContain("PERSIMMON-42");
    expect(openai.server.callsTo(openAiResponsesPath).length).toBeLessThanOrEqual(2);
    expect(anthropic.chatCalls()).toHaveLength(0);

    const usage = await allTimeUsageOf(harness.url, "proj-codex-azure");
    // gpt-4.1 at $2 input, $8 output per million tokens: (10200 x 2 + 42 x 8) / 1e6
    expect(usage).toMatchObject({ requests: 2, input_tokens: 10_200, output_tokens: 42 });
    expect(usage.cost_usd).toBeCloseTo(0.020736, 9);
    expect(Object.keys(usage.by_model)).toEqual(["gpt-4.1"]);
  }, 150_000);
});
