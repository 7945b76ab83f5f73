import type Anthropic from "@anthropic-ai/sdk";
import type { Client } from "@modelcontextprotocol/client";
import type OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { azureFakeApiKey, createFakeAzureOpenAi } from "../../src/fakes/azure/fake-azure-openai.js";
import {
  createFakeBedrock,
  type FakeBedrock,
  fakeBedrockIdentity,
} from "../../src/fakes/bedrock/fake-bedrock.js";
import type { FakeProvider } from "../../src/fakes/fake-provider.js";
import { createFakeVertex, type FakeVertex } from "../../src/fakes/vertex/fake-vertex.js";
import type { ChatResult } from "../../src/gateway/chat-types.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";
import { anthropicClientFor, openAiClientFor } from "../helpers/sdk-clients.js";
import { registerTestSecrets } from "../helpers/test-log-files.js";

/*
 * One model on several platforms, as teams run it through their cloud contracts: claude-sonnet-4
 * on Anthropic, on Bedrock (a cross-region inference profile) and on Vertex AI; gpt-4.1 on OpenAI
 * and on an Azure deployment. The group `code` is [claude-sonnet-4, gpt-4.1]: a platform that is
 * down hands the request to the same model elsewhere, and gpt-4.1 answers only once Claude is
 * down everywhere. Circuits stay closed here (threshold 1000), so every request tries each
 * platform that is down: what is shown is the order, not the breaker.
 */

const profileId = "us.anthropic.claude-sonnet-4-20250514-v1:0";
const caller = { project_id: "proj-platforms", agent_id: "agent-p" };
const hello = [{ role: "user" as const, content: "Say hello" }];

const configYaml = (bedrock: FakeBedrock, vertex: FakeVertex, azure: FakeProvider) => `
providers:
  bedrock: { kind: bedrock, base_url: "${bedrock.baseUrl}", bedrock: { region: us-east-1 } }
  vertex-claude: { kind: vertex-anthropic, base_url: "${vertex.baseUrl}", location: ${vertex.location}, credentials_file: "${vertex.account.credentialsFile}" }
  azure: { kind: azure, base_url: "${azure.baseUrl}" }
deployments:
  claude-sonnet-4:
    - { provider: anthropic }
    - { provider: bedrock, provider_model_id: "${profileId}" }
    - { provider: vertex-claude, provider_model_id: "claude-sonnet-4@20250514" }
  gpt-4.1:
    - { provider: openai }
    - { provider: azure }
model_groups:
  code: [claude-sonnet-4, gpt-4.1]
circuit: { failure_threshold: 1000 }
`;

function alwaysFail(fake: FakeProvider, status: number): void {
  fake.server.intercept((call) => (call.method === "POST" ? fake.replies.error(status, "down") : undefined));
}

describe("the same model on several platforms: failover between them", () => {
  let harness: Harness;
  let bedrock: FakeBedrock;
  let vertex: FakeVertex;
  let azure: FakeProvider;
  let openai: OpenAI;
  let anthropic: Anthropic;
  let client: Client;

  beforeAll(async () => {
    bedrock = await createFakeBedrock();
    vertex = await createFakeVertex();
    azure = await createFakeAzureOpenAi();
    registerTestSecrets("cross-platform-deployments", { VERTEX_PRIVATE_KEY: vertex.account.privateKeyPem });
    harness = await startHarness({
      configYaml: configYaml(bedrock, vertex, azure),
      env: {
        LLM_GATEWAY_MAX_RETRIES: "0",
        AZURE_OPENAI_API_KEY: azureFakeApiKey,
        AWS_ACCESS_KEY_ID: fakeBedrockIdentity.accessKeys[0]?.accessKeyId ?? "",
        AWS_SECRET_ACCESS_KEY: fakeBedrockIdentity.accessKeys[0]?.secretAccessKey ?? "",
      },
    });
    openai = openAiClientFor(harness.url, caller);
    anthropic = anthropicClientFor(harness.url, caller);
    client = await connectMcp(harness.url);
  });
  afterEach(() => {
    for (const fake of [...Object.values(harness.fakes), bedrock, azure, vertex.claude]) {
      fake.server.intercept(undefined);
      fake.server.reset();
    }
  });
  afterAll(async () => {
    await client.close();
    await harness.close();
    await Promise.all([bedrock.close(), vertex.close(), azure.close()]);
  });

  const claudeCallsOutsideAnthropic = () => bedrock.chatCalls().length + vertex.calls("anthropic").length;
  const gptCalls = () => harness.fakes.openai.chatCalls().length + azure.chatCalls().length;

  it("Anthropic down: Claude Sonnet 4 on Bedrock or Vertex answers through /v1, /v1/messages and MCP", async () => {
    alwaysFail(harness.fakes.anthropic, 529);
    const claudeCallsBefore = claudeCallsOutsideAnthropic();
    for (let i = 0; i < 4; i++) {
      const completion = await openai.chat.completions.create({ model: "code", messages: hello });
      expect(completion.model).toBe("claude-sonnet-4");
      expect(completion.choices[0]?.message.content).toBeTruthy();
    }

    // Claude Code's door, streamed: the Messages request is carried to whichever platform answers.
    const stream = anthropic.messages.stream({ model: "code", max_tokens: 200, messages: hello });
    const message = await stream.finalMessage();
    expect(message.content.some((block) => block.type === "text" && block.text.length > 0)).toBe(true);

    const { isError, structured } = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model_group: "code",
      messages: hello,
    });
    expect(isError).toBe(false);
    expect(structured.model).toBe("claude-sonnet-4");
    expect(["bedrock", "vertex-claude"]).toContain(structured.provider);
    // Attempts are listed only when the first one failed.
    for (const attempt of (structured.attempts ?? []).slice(0, -1)) {
      expect(attempt).toMatchObject({
        provider: "anthropic",
        outcome: expect.not.stringMatching(/^success$/),
      });
    }

    expect(claudeCallsOutsideAnthropic() - claudeCallsBefore).toBe(6);
    expect(gptCalls()).toBe(0);
  });

  it("Anthropic and Bedrock down: Vertex answers, still before the chain's next step", async () => {
    alwaysFail(harness.fakes.anthropic, 503);
    alwaysFail(bedrock, 503);
    const vertexCallsBefore = vertex.calls("anthropic").length;
    const { isError, structured } = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model_group: "code",
      messages: hello,
    });
    expect(isError).toBe(false);
    expect(structured.provider).toBe("vertex-claude");
    expect(structured.model).toBe("claude-sonnet-4");
    const failed = (structured.attempts ?? []).filter((attempt) => attempt.outcome !== "success");
    // Anthropic and Bedrock are each tried at most once, in the strategy's order, before Vertex.
    const failedProviders = failed.map((attempt) => attempt.provider);
    expect(failedProviders.every((provider) => provider === "anthropic" || provider === "bedrock")).toBe(
      true,
    );
    expect(new Set(failedProviders).size).toBe(failedProviders.length);
    expect(vertex.calls("anthropic").length - vertexCallsBefore).toBe(1);
    expect(gptCalls()).toBe(0);
  });

  it("Claude down on every platform: gpt-4.1 answers; with OpenAI down too, its Azure deployment", async () => {
    alwaysFail(harness.fakes.anthropic, 503);
    alwaysFail(bedrock, 503);
    vertex.claude.server.intercept((call) =>
      call.method === "POST" ? vertex.claude.replies.error(503, "down") : undefined,
    );
    alwaysFail(harness.fakes.openai, 500);
    const { isError, structured } = await callTool<ChatResult>(client, "chat_completion", {
      ...caller,
      model_group: "code",
      messages: hello,
    });
    expect(isError).toBe(false);
    expect(structured.model).toBe("gpt-4.1");
    expect(structured.provider).toBe("azure");
    // Every Claude platform was tried once before the next step; OpenAI at most once.
    const tried = (structured.attempts ?? []).map((attempt) => attempt.provider);
    expect(tried.slice(0, 3).sort()).toEqual(["anthropic", "bedrock", "vertex-claude"]);
    expect(tried.at(-1)).toBe("azure");
    expect(azure.chatCalls()).toHaveLength(1);
  });
});
