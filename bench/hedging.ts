import { TokenCounter } from "../src/gateway/token-counter.js";
import { type Harness, startHarness } from "../test/helpers/gateway-harness.js";
import { percentile } from "./bench-table.js";

/*
 * npx tsx bench/hedging.ts [--requests 200] [--concurrency 8] [--slow-share 0.1] [--slow-ms 2000]
 *
 * Streamed calls on `reasoning` (anthropic -> openai) against the fake providers, the primary's
 * time to first token inflated: `--slow-share` of Anthropic's answers start after `--slow-ms`,
 * the rest after 40 ms (OpenAI's after 40 ms too). Run once with hedging off and once with it on
 * (`hedging: { model_groups: [reasoning], floor_ms: 300, min_samples: 20 }`), the same seeded
 * workload each time. Prints latency to the whole answer (p50, p95, p99), hedges, and the cost
 * booked (hedge losers included) of each run. A hedge loser's sample never enters the window (it
 * never got its first token), so the window learns the primary's fast answers.
 */

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i] ?? "", process.argv[i + 1] ?? "");
const requests = Number(args.get("--requests") ?? 200);
const concurrency = Number(args.get("--concurrency") ?? 8);
const slowShare = Number(args.get("--slow-share") ?? 0.1);
const slowMs = Number(args.get("--slow-ms") ?? 2_000);
const fastMs = 40;
const messages = [{ role: "user" as const, content: "What is the answer? ".repeat(50) }];
// The fakes report the prompt's real size, so a loser's booked estimate and a winner's reported usage compare.
const fakeUsage = {
  inputTokens: (await new TokenCounter().countMessages(messages, "o200k_base")).tokens,
  outputTokens: 5,
};

/** Deterministic, so both runs get the same slow requests. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

async function run(hedging: boolean) {
  const harness: Harness = await startHarness({
    providers: ["anthropic", "openai"],
    env: { LLM_GATEWAY_MAX_RETRIES: "0", LLM_GATEWAY_LOG_LEVEL: "warn" },
    configYaml: hedging ? "hedging: { model_groups: [reasoning], floor_ms: 300, min_samples: 20 }\n" : "",
  });
  const { anthropic, openai } = harness.fakes;
  const random = seededRandom(17);
  for (let i = 0; i < requests; i++) {
    const delayMs = random() < slowShare ? slowMs : fastMs;
    anthropic.enqueueChat(
      anthropic.replies.stream(["The", " answer", " is", " 42."], { delayMs, usage: fakeUsage }),
    );
    openai.enqueueChat(
      openai.replies.stream(["The", " answer", " is", " 42."], { delayMs: fastMs, usage: fakeUsage }),
    );
  }
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      next++;
      const started = performance.now();
      const response = await fetch(`${harness.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-project-id": "bench-hedging", "x-agent-id": "b" },
        body: JSON.stringify({
          model: "reasoning",
          max_tokens: 50,
          messages,
          stream: true,
        }),
      });
      await response.text();
      latencies.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const usage = (await (
    await fetch(`${harness.url}/v1/usage?project_id=bench-hedging&period=all`)
  ).json()) as { requests: number; cost_usd: number };
  const hedges = openai.chatCalls().length;
  await harness.close();
  return { latencies, hedges, records: usage.requests, costUsd: usage.cost_usd };
}

const off = await run(false);
const on = await run(true);
for (const [name, result] of [
  ["hedging off", off],
  ["hedging on ", on],
] as const) {
  const ms = (rank: number) => percentile(result.latencies, rank).toFixed(0);
  console.log(
    `${name}: p50 ${ms(50)} ms, p95 ${ms(95)} ms, p99 ${ms(99)} ms, max ${Math.max(...result.latencies).toFixed(0)} ms; ${result.hedges} calls to the second deployment, ${result.records} usage records, cost $${result.costUsd.toFixed(6)}`,
  );
}
console.log(
  `extra spend with hedging: $${(on.costUsd - off.costUsd).toFixed(6)} (${(((on.costUsd - off.costUsd) / off.costUsd) * 100).toFixed(1)}%) over ${requests} requests, ${(slowShare * 100).toFixed(0)}% of them with the primary's first token ${slowMs} ms late`,
);
