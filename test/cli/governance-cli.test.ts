import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { type CliResult, runCli } from "../helpers/run-cli.js";
import { registerTestSecrets } from "../helpers/test-log-files.js";

const adminKey = "cli-admin-key-0123456789abcdef";
const teamKey = "cli-team-key-0123456789abcdef";
const project = "proj-cli-keys";
const secretPattern = /^Secret: (lgw_[A-Za-z0-9_-]{43})$/m;

// Every CLI call is a process of its own (about a second on a busy 2-core machine).
describe("llm-gateway keys and budgets against a running gateway", { timeout: 60_000 }, () => {
  let harness: Harness;
  /** The CLI as an operator runs it: the admin key in the environment, the gateway at --url. */
  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
    runCli([...args, "--url", harness.url], { LLM_GATEWAY_ADMIN_KEY: adminKey, ...env });
  /** One chat request with `key` over real HTTP, answered by the fake Anthropic. */
  const chat = (key: string) => {
    const { anthropic } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.text("ok", { inputTokens: 1_000, outputTokens: 100 }));
    return fetch(`${harness.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${key}`,
        "x-project-id": project,
        "x-agent-id": "cli-bot",
      },
      body: JSON.stringify({ model: "reasoning", messages: [{ role: "user", content: "Hi" }] }),
    });
  };
  /** A key's spend today as the admin API reports it. */
  const keySpendToday = async (id: string) => {
    const response = await fetch(`${harness.url}/admin/keys/${id}`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    return ((await response.json()) as { spend: { today_usd: number } }).spend.today_usd;
  };
  /** The `keys list` row of a key id, its cells split on the table's column gaps. */
  const listRow = async (id: string, args: string[] = []) => {
    const listed = await cli(["keys", "list", ...args]);
    expect(listed.code, listed.stderr).toBe(0);
    const line = listed.stdout.split("\n").find((row) => row.startsWith(`${id} `));
    return line?.split(/\s{2,}/);
  };

  beforeAll(async () => {
    harness = await startHarness({
      providers: ["anthropic"],
      env: { LLM_GATEWAY_API_KEYS: `${adminKey}=*,${teamKey}=${project}` },
    });
  });
  afterAll(async () => harness?.close());

  let keyId = "";
  let secret = "";

  it("keys create prints the secret once; the key works on /v1 and its spend shows in keys list", async () => {
    const created = await cli([
      "keys",
      "create",
      "--name",
      "cli-bot",
      "--projects",
      project,
      "--daily-usd",
      "5",
      "--monthly-usd",
      "50",
      "--rpm",
      "60",
      "--tpm",
      "100000",
      "--expires-in",
      "30d",
      "--metadata",
      "owner=alice",
    ]);
    expect(created.code, created.stderr).toBe(0);
    secret = secretPattern.exec(created.stdout)?.[1] ?? "";
    registerTestSecrets("cli-managed-key", { secret });
    keyId =
      /^Created key (key_[a-z2-7]{12}) "cli-bot" for projects proj-cli-keys\.$/m.exec(created.stdout)?.[1] ??
      "";
    expect(secret).not.toBe("");
    expect(keyId).not.toBe("");
    expect(created.stdout).toContain("it will not be shown again");
    expect(created.stdout).toMatch(/budget:\s+\$5\.00\/day, \$50\.00\/month/);
    expect(created.stdout).toMatch(/limits:\s+60 rpm, 100000 tpm/);

    expect((await chat(secret)).status).toBe(200);
    // 1,000 input x $5 + 100 output x $25 per million tokens (claude-opus-4-5) = $0.0075. Booking is
    // off the response path: wait for it on the API (cheap), then read the list once (a process each).
    const deadline = Date.now() + 5_000;
    while ((await keySpendToday(keyId)) === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const row = await listRow(keyId);
    expect(row).toEqual([
      keyId,
      "cli-bot",
      project,
      "$5.00/day, $50.00/month",
      "$0.0075",
      "$0.0075",
      expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/),
      "active",
    ]);
    const json = await cli(["keys", "list", "--json"]);
    const listed = JSON.parse(json.stdout) as { data: Array<{ id: string; spend: { today_usd: number } }> };
    expect(listed.data.find((key) => key.id === keyId)?.spend.today_usd).toBeCloseTo(0.0075, 9);
    // The list never shows a secret again, only its hint.
    expect(json.stdout).not.toContain(secret);
  });

  it("keys rotate prints a new secret: the old one is refused at once, the new one works", async () => {
    const rotated = await cli(["keys", "rotate", keyId]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newSecret = secretPattern.exec(rotated.stdout)?.[1] ?? "";
    registerTestSecrets("cli-rotated-key", { newSecret });
    expect(newSecret).not.toBe("");
    expect(newSecret).not.toBe(secret);
    expect(rotated.stdout).toContain("it will not be shown again");
    expect((await chat(secret)).status).toBe(401);
    expect((await chat(newSecret)).status).toBe(200);
    secret = newSecret;
  });

  it("keys revoke: the key is refused right after; keys list leaves it out, --all shows it revoked", async () => {
    const revoked = await cli(["keys", "revoke", keyId]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^Revoked key ${keyId} "cli-bot" at \\d{4}-\\d\\d-\\d\\d `));
    expect((await chat(secret)).status).toBe(401);
    expect(await listRow(keyId)).toBeUndefined();
    expect((await listRow(keyId, ["--all"]))?.at(-1)).toBe("revoked");
    // Revoking twice is fine.
    expect((await cli(["keys", "revoke", keyId])).code).toBe(0);
  });

  it("budgets set changes a project's and an agent's budget and limits; budgets show where they stand", async () => {
    const set = await cli(["budgets", "set", "--project", project, "--daily-usd", "2", "--rpm", "100"]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain(`Set project ${project}`);
    const agent = await cli(["budgets", "set", "--project", project, "--agent", "cli-bot", "--tpm", "5000"]);
    expect(agent.code, agent.stderr).toBe(0);

    const shown = await cli(["budgets", "show", "--project", project]);
    expect(shown.code, shown.stderr).toBe(0);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    // Two requests of $0.0075 were booked to the project today.
    expect(shown.stdout).toMatch(
      new RegExp(
        `project\\s+${project}\\s+-\\s+day\\s+\\$0\\.015\\s+\\$0\\s+\\$2\\.00\\s+\\d+\\.\\d%\\s+${tomorrow} 00:00 UTC \\(in \\d+h \\d+m\\)\\s+100 rpm \\(\\d+ used\\)\\s+admin`,
      ),
    );
    expect(shown.stdout).toMatch(
      new RegExp(`agent\\s+${project}\\s+cli-bot\\s+-(\\s+-){5}\\s+5000 tpm \\(\\d+ used\\)\\s+admin`),
    );
    const json = JSON.parse((await cli(["budgets", "show", "--project", project, "--json"])).stdout) as {
      data: Array<{ scope: string; budget: { daily_usd: number | null } }>;
    };
    expect(json.data.find((entry) => entry.scope === "project")?.budget.daily_usd).toBe(2);

    // `none` clears what was set; what is left out stays.
    const cleared = await cli(["budgets", "set", "--project", project, "--daily-usd", "none"]);
    expect(cleared.code, cleared.stderr).toBe(0);
    const after = JSON.parse((await cli(["budgets", "show", "--project", project, "--json"])).stdout) as {
      data: Array<{
        scope: string;
        budget: { daily_usd: number | null };
        limits: { requests_per_minute: number };
      }>;
    };
    const entry = after.data.find((candidate) => candidate.scope === "project");
    expect(entry?.budget.daily_usd).toBeNull();
    expect(entry?.limits.requests_per_minute).toBe(100);
  });

  it("says clearly why the gateway refused: unreachable, not an admin key, a bad key, a refused field, an unknown id", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    // Independent calls, each its own process: side by side, so the test stays well within its timeout.
    const [unreachable, notAdmin, badKey, badName, badModel, unknown] = await Promise.all([
      runCli(["keys", "list", "--url", `http://127.0.0.1:${port}`], { LLM_GATEWAY_ADMIN_KEY: adminKey }),
      cli(["keys", "list"], { LLM_GATEWAY_ADMIN_KEY: teamKey }),
      cli(["budgets", "show"], { LLM_GATEWAY_ADMIN_KEY: "not-a-key-0123456789" }),
      cli(["keys", "create", "--name", "no spaces allowed", "--projects", project]),
      cli(["keys", "create", "--name", "m", "--projects", project, "--models", "no-such-model"]),
      cli(["keys", "revoke", "key_aaaaaaaaaaaa"]),
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(
      `cannot reach the gateway at http://127.0.0.1:${port} (ECONNREFUSED)`,
    );
    expect(notAdmin.code).toBe(1);
    expect(notAdmin.stderr).toContain("the gateway refused (403)");
    expect(notAdmin.stderr).toContain('LLM_GATEWAY_ADMIN_KEY must be a client key with projects "*"');
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toContain("the gateway refused the admin key (401)");
    expect(badName.code).toBe(1);
    expect(badName.stderr).toMatch(/^llm-gateway keys: invalid --name \(name\): /);
    expect(badModel.code).toBe(1);
    expect(badModel.stderr).toMatch(/invalid --models \(models[^)]*\): .*no-such-model/);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("key_aaaaaaaaaaaa");
  });

  it("says what is wrong with the command itself before calling the gateway", async () => {
    const [noKey, badFlag, nothing] = await Promise.all([
      runCli(["keys", "list", "--url", harness.url], {}),
      cli(["budgets", "set", "--project", project, "--rpm", "fast"]),
      cli(["budgets", "set", "--project", project]),
    ]);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain("no admin key: set LLM_GATEWAY_ADMIN_KEY");
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain(
      '--rpm must be a whole number per minute, at least 1, or none to clear it, got "fast"',
    );
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain("budgets set needs at least one of");
  });
});
