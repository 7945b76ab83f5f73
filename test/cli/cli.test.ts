import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFakeAnthropic } from "../../src/fakes/anthropic/fake-anthropic.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { runCli } from "../helpers/run-cli.js";

describe("the llm-gateway CLI", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ providers: ["anthropic", "openai"] });
    const client = new OpenAI({
      apiKey: "unused",
      baseURL: `${harness.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { "x-project-id": "proj-cli", "x-agent-id": "cli-agent" },
    });
    const { anthropic } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.text("one", { inputTokens: 1_000, outputTokens: 200 }));
    anthropic.enqueueChat(anthropic.replies.text("two", { inputTokens: 3_000, outputTokens: 100 }));
    for (let i = 0; i < 2; i++) {
      await client.chat.completions.create({
        model: "reasoning",
        messages: [{ role: "user", content: "Hi" }],
      });
    }
  });
  afterAll(async () => harness.close());

  it("usage prints the project's totals, by agent and by model, as a table", async () => {
    const { code, stdout } = await runCli(["usage", "--project", "proj-cli", "--period", "day"], {
      LLM_GATEWAY_DATA_DIR: harness.dataDir,
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage of proj-cli, day: \d{4}-\d\d-\d\dT00:00:00\.000Z to /);
    // 4,000 input x $5 + 300 output x $25 per million tokens = $0.0275
    expect(stdout).toMatch(/total\s+2\s+4000\s+300\s+0\s+\$0\.027500/);
    expect(stdout).toMatch(/cli-agent\s+2\s+4000\s+300/);
    expect(stdout).toMatch(/claude-opus-4-5\s+2\s+4000\s+300/);
  });

  it("models lists every group's chain with availability and prices", async () => {
    const { code, stdout } = await runCli(["models"], { OPENAI_API_KEY: "sk-cli-test" });
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /reasoning\s+1\s+claude-opus-4-5\s+anthropic\s+no key\s+200000\s+\$5\s+\$25\s+\$0\.5/,
    );
    expect(stdout).toMatch(/2\s+gpt-4\.1\s+openai\s+yes/);
    expect(stdout).toMatch(/embedding\s+1\s+text-embedding-3-large/);
    // Cache writes have their own column; models in no group are listed with their prices too.
    expect(stdout).toMatch(/cache write \$\/Mtok/);
    expect(stdout).toMatch(/claude-opus-4-5\s+anthropic\s+no key\s+200000\s+\$5\s+\$25\s+\$0\.5\s+\$6\.25/);
    expect(stdout).toMatch(/\(no group\)\s+gpt-4o\s+openai\s+yes\s+128000\s+\$2\.5\s+\$10\s+\$1\.25/);
    expect(stdout).toMatch(/o3\s+openai\s+yes\s+200000\s+\$2\s+\$8\s+\$0\.5/);
    expect(stdout).toMatch(/gemini-embedding\s+google\s+no key\s+2048\s+\$0\.15/);
  });

  it("count-tokens counts an argument or stdin", async () => {
    expect((await runCli(["count-tokens", "Hello, world!"], {})).stdout.trim()).toBe(
      "4 tokens (gpt-4, cl100k_base)",
    );
    const piped = await runCli(["count-tokens", "--model", "claude-haiku", "-"], {}, "Hello, world!");
    expect(piped.stdout.trim()).toMatch(/^\d+ tokens \(claude-haiku, o200k_base, estimate\)$/);
  });

  it("count-tokens asks Anthropic's counting endpoint when its key is configured, and exits", async () => {
    const anthropic = await createFakeAnthropic();
    try {
      const env = { ANTHROPIC_API_KEY: "sk-ant-cli-count", ANTHROPIC_BASE_URL: anthropic.baseUrl };
      const counted = await runCli(["count-tokens", "--model", "claude-haiku", "Hello, world!"], env);
      expect(counted.code).toBe(0);
      expect(counted.stdout.trim()).toMatch(/^\d+ tokens \(claude-haiku, provider:anthropic\)$/);
      expect(anthropic.countTokensCalls()).toHaveLength(1);

      anthropic.enqueueCountTokens(anthropic.replies.error(500, "Internal server error"));
      const estimated = await runCli(["count-tokens", "--model", "claude-haiku", "Hello, world!"], env);
      expect(estimated.stdout.trim()).toMatch(/^\d+ tokens \(claude-haiku, o200k_base, estimate\)$/);
      expect(estimated.stderr).toContain("counting endpoint failed");
      expect(estimated.stderr).not.toContain("sk-ant-cli-count");
    } finally {
      await anthropic.close();
    }
  });

  it("check-config validates and prints the effective config with every secret masked", async () => {
    const secrets = {
      OPENAI_API_KEY: "sk-cli-secret-openai-123",
      LLM_GATEWAY_API_KEYS: "gw-cli-secret-client-key-456=proj-a",
      LLM_GATEWAY_REDIS_URL: "redis://gateway:cli-redis-password@127.0.0.1:6379",
    };
    const { code, stdout } = await runCli(["check-config"], secrets);
    expect(code).toBe(0);
    expect(stdout.startsWith("Configuration is valid.")).toBe(true);
    const config = JSON.parse(stdout.slice(stdout.indexOf("{")));
    expect(config.providers.openai.apiKey).toBe("(set, masked)");
    expect(config.providers.anthropic.apiKey).toBe("(not set)");
    expect(config.clientKeys).toEqual([
      {
        name: "env-key-1",
        projects: ["proj-a"],
        agents: "any (per-agent limits advisory)",
        key: "(set, masked)",
      },
    ]);
    expect(config.redisUrl).toBe("redis://gateway:***@127.0.0.1:6379");
    for (const secret of ["sk-cli-secret-openai-123", "gw-cli-secret-client-key-456", "cli-redis-password"]) {
      expect(stdout).not.toContain(secret);
    }
  });

  it("bad configuration and bad usage fail with a clear message and exit code", async () => {
    const badConfig = await runCli(["check-config"], { LLM_GATEWAY_CIRCUIT_COOLDOWN_SECONDS: "soon" });
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toContain("LLM_GATEWAY_CIRCUIT_COOLDOWN_SECONDS: expected a whole number");
    const badUsage = await runCli(["usage", "--period", "day"], {});
    expect(badUsage.code).toBe(2);
    expect(badUsage.stderr).toContain("usage needs --project");
    const unknown = await runCli(["frobnicate"], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "frobnicate"');
  });
});
