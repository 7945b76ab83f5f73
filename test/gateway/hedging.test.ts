import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

interface BookedRow {
  request_id: string;
  provider: string;
  input_tokens: number;
  outcome: string;
  estimated: number;
}

/** reasoning = anthropic -> openai -> google, hedged after 300 ms until Anthropic has 50 samples. */
describe("hedged streamed calls", () => {
  let harness: Harness;
  const streamed = (project: string) =>
    fetch(`${harness.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-project-id": project, "x-agent-id": "hedger" },
      body: JSON.stringify({
        model: "reasoning",
        max_tokens: 100,
        messages: [{ role: "user", content: "Tell me a story" }],
        stream: true,
      }),
    });
  const bookedFor = (project: string): BookedRow[] => {
    const db = new Database(join(harness.dataDir, "usage.sqlite"), { readonly: true, fileMustExist: true });
    try {
      return db
        .prepare(
          "SELECT request_id, provider, input_tokens, outcome, estimated FROM usage_records WHERE project_id = ? ORDER BY provider",
        )
        .all(project) as BookedRow[];
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    harness = await startHarness({
      env: { LLM_GATEWAY_MAX_RETRIES: "0" },
      configYaml:
        "hedging: { model_groups: [reasoning], floor_ms: 300, min_samples: 50 }\n" +
        "rate_limits: { default_project_tpm: 1000 }\n",
    });
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => harness.close());

  it("a primary late past the floor gets the next deployment started beside it; the first to answer wins, the other is aborted and booked", async () => {
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.stream(["slow answer"], { delayMs: 3_000 }));
    openai.enqueueChat(openai.replies.stream(["fast answer"]));
    const started = performance.now();
    const sentAt = Date.now();
    const response = await streamed("proj-hedged");
    expect(response.headers.get("x-llm-gateway-provider")).toBe("openai");
    expect(await response.text()).toContain("fast answer");
    expect(performance.now() - started).toBeLessThan(2_000);
    // Started no sooner than the floor after the request was sent.
    expect(openai.chatCalls()[0]?.receivedAt ?? 0).toBeGreaterThanOrEqual(sentAt + 300);
    await expect.poll(() => anthropic.chatCalls()[0]?.clientClosedEarly).toBe(true);
    await expect.poll(() => bookedFor("proj-hedged").length).toBe(2);
    const [loser, winner] = bookedFor("proj-hedged");
    expect(winner).toMatchObject({ provider: "openai", outcome: "success", estimated: 0 });
    expect(loser).toMatchObject({
      provider: "anthropic",
      request_id: `${winner?.request_id}-hedge`,
      outcome: "error",
      estimated: 1,
    });
    expect(loser?.input_tokens).toBeGreaterThan(0);
  });

  it("the loser's booked tokens count against tokens per minute with the answer's", async () => {
    const { anthropic, openai } = harness.fakes;
    // Fixed UTC minutes: a run straddling a boundary is repeated once in the new minute.
    for (const attempt of [1, 2]) {
      const project = `proj-hedged-tpm-${Math.floor(Date.now() / 60_000)}-${attempt}`;
      anthropic.enqueueChat(anthropic.replies.stream(["slow answer"], { delayMs: 3_000 }));
      openai.enqueueChat(
        openai.replies.stream(["fast answer"], { usage: { inputTokens: 600, outputTokens: 400 } }),
      );
      await (await streamed(project)).text();
      await expect.poll(() => bookedFor(project).length).toBe(2);
      const loser = bookedFor(project).find((row) => row.provider === "anthropic");
      const refused = await streamed(project);
      if (refused.status !== 429 && attempt === 1) continue;
      expect(refused.status).toBe(429);
      const { error } = (await refused.json()) as { error: { message: string } };
      // 1,000 of the answer and the loser's prompt, counted by the gateway.
      expect(error.message).toContain(`${1_000 + (loser?.input_tokens ?? 0)} are used this minute`);
      return;
    }
  });

  it("a primary answering within the floor is not hedged: the next deployment is never called", async () => {
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.stream(["in time"], { delayMs: 50 }));
    const response = await streamed("proj-unhedged");
    expect(response.headers.get("x-llm-gateway-provider")).toBe("anthropic");
    expect(await response.text()).toContain("in time");
    expect(openai.chatCalls()).toHaveLength(0);
    await expect.poll(() => bookedFor("proj-unhedged").length).toBe(1);
  });
});
