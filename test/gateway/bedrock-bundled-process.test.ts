import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFakeBedrock,
  type FakeBedrock,
  fakeBedrockIdentity,
} from "../../src/fakes/bedrock/fake-bedrock.js";
import { type GatewayProcess, spawnGateway } from "../helpers/spawn-gateway.js";
import { registerTestSecrets } from "../helpers/test-log-files.js";

/**
 * The bundled `dist/main.js` as operators run it: AWS's signer and event
 * stream codec load at the first Bedrock request (a gateway without Bedrock
 * never reads them), so this checks they load from the bundle too.
 */
describe("the bundled gateway with a Bedrock entry", () => {
  let bedrock: FakeBedrock;
  let gateway: GatewayProcess;
  let dataDir: string;
  const key = fakeBedrockIdentity.accessKeys[0] as (typeof fakeBedrockIdentity.accessKeys)[number];
  beforeAll(async () => {
    bedrock = await createFakeBedrock();
    dataDir = mkdtempSync(join(tmpdir(), "llmgw-bedrock-process-"));
    const configPath = join(dataDir, "gateway.yaml");
    writeFileSync(
      configPath,
      `
providers:
  bedrock: { base_url: "${bedrock.baseUrl}" }
models:
  claude-sonnet-4-bedrock:
    provider: bedrock
    provider_model_id: us.anthropic.claude-sonnet-4-20250514-v1:0
    context_window: 200000
    max_output_tokens: 64000
    price_per_mtok: { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75 }
`,
    );
    registerTestSecrets("spawned bedrock", { "AWS secret key": key.secretAccessKey });
    gateway = await spawnGateway({
      LLM_GATEWAY_DATA_DIR: dataDir,
      LLM_GATEWAY_CONFIG: configPath,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: key.accessKeyId,
      AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await bedrock?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("signs, streams and answers", async () => {
    const openai = new OpenAI({ apiKey: "unused", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    bedrock.enqueueChat(
      bedrock.replies.stream(["Bundled ", "hello"], { usage: { inputTokens: 5, outputTokens: 2 } }),
    );
    const stream = await openai.chat.completions.create({
      model: "claude-sonnet-4-bedrock",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Bundled hello");
    expect(bedrock.chatCalls()[0]?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=/);
    expect(JSON.stringify(gateway.logs)).not.toContain(key.secretAccessKey);
  });
});
