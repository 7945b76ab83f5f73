import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { type CliResult, runCli } from "../helpers/run-cli.js";

const keyA = "cli-requests-key-a-0123456789";
const keyB = "cli-requests-key-b-0123456789";

// Every CLI call is a process of its own (about a second on a busy 2-core machine).
describe("llm-gateway requests against a running gateway", { timeout: 60_000 }, () => {
  let harness: Harness;
  let failoverId: string;
  const cli = (args: string[], key: string): Promise<CliResult> =>
    runCli([...args, "--url", harness.url], { LLM_GATEWAY_API_KEY: key });

  beforeAll(async () => {
    harness = await startHarness({
      env: { LLM_GATEWAY_API_KEYS: `${keyA}=proj-cli-a,${keyB}=proj-cli-b`, LLM_GATEWAY_MAX_RETRIES: "0" },
    });
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
    openai.enqueueChat(openai.replies.text("fallback", { inputTokens: 100, outputTokens: 10 }));
    const response = await fetch(`${harness.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${keyA}`,
        "x-project-id": "proj-cli-a",
        "x-agent-id": "cli-bot",
      },
      body: JSON.stringify({ model: "reasoning", messages: [{ role: "user", content: "Hi" }] }),
    });
    await response.text();
    failoverId = response.headers.get("x-request-id") as string;
  });
  afterAll(async () => harness.close());

  it("lists the key's requests as a table, and as JSON", async () => {
    const listed = await cli(["requests", "--project", "proj-cli-a", "--status", "success"], keyA);
    expect(listed.code, listed.stderr).toBe(0);
    const row = listed.stdout.split("\n").find((line) => line.includes(failoverId));
    expect(row).toMatch(
      /proj-cli-a\s+cli-bot\s+env-key-1\s+openai\/gpt-4\.1\s+success\s+100\/10\s+\$0\.000280\s+\d+ ms\s+2$/,
    );
    const json = await cli(["requests", "--json", "--limit", "5"], keyA);
    expect(JSON.parse(json.stdout).data.map((entry: { id: string }) => entry.id)).toEqual([failoverId]);
    const other = await cli(["requests"], keyB);
    expect(other.stdout.trim()).toBe("No requests kept that match.");
  });

  it("shows one request with its attempts, and refuses what the key may not see", async () => {
    const shown = await cli(["requests", "show", failoverId], keyA);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/1\s+anthropic\s+claude-opus-4-5\s+failed\s+\d+ ms\s+.*529/);
    expect(shown.stdout).toMatch(/2\s+openai\s+gpt-4\.1\s+success\s+\d+ ms/);
    const hidden = await cli(["requests", "show", failoverId], keyB);
    expect(hidden.code).toBe(1);
    expect(hidden.stderr).toContain(`No request "${failoverId}" is kept`);
    const badStatus = await cli(["requests", "--status", "nope"], keyA);
    expect(badStatus.code).toBe(1);
    expect(badStatus.stderr).toContain("invalid --status (status)");
  });
});
