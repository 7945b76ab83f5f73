import { defaultCatalog } from "../src/config/default-catalog.js";
import type { ChatRequest } from "../src/core/chat.js";
import type { ModelSpec } from "../src/core/model-catalog.js";
import { createFakeAnthropic } from "../src/fakes/anthropic/fake-anthropic.js";
import { ControlledStream } from "../src/fakes/fake-upstream-server.js";
import { createAnthropicAdapter } from "../src/providers/anthropic/anthropic-adapter.js";
import { percentile } from "./bench-table.js";

/*
 * npx tsx bench/timeout-accuracy.ts [--runs 20] [--first-byte-ms 600] [--idle-ms 400]
 *
 * How late the provider timeouts fire: the Anthropic adapter against the fake Anthropic, `--runs`
 * times each, one after another: a streamed call to a provider that never answers (first-byte
 * timeout), and a stream whose provider goes silent after message_start (idle timeout, measured
 * from the last byte sent). Prints configured vs observed, p50 and max.
 */

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i] ?? "", process.argv[i + 1] ?? "");
const runs = Number(args.get("--runs") ?? 20);
const firstByteMs = Number(args.get("--first-byte-ms") ?? 600);
const idleMs = Number(args.get("--idle-ms") ?? 400);

const fake = await createFakeAnthropic();
const adapter = createAnthropicAdapter({
  name: "anthropic",
  kind: "anthropic",
  apiKey: "sk-ant-bench-0123456789",
  baseUrl: fake.baseUrl,
  timeouts: { connectMs: 1_000, firstByteMs, answerMs: firstByteMs, idleMs },
});
const model = defaultCatalog()["claude-haiku"] as ModelSpec;
const request: ChatRequest = { messages: [{ role: "user", content: "Hi" }] };
const signal = () => new AbortController().signal;

async function firstByteRun(): Promise<number> {
  fake.enqueueChat({ type: "hang" });
  const started = performance.now();
  await adapter.streamChat(model, request, { signal: signal() }).then(
    () => {
      throw new Error("the hanging provider answered");
    },
    () => undefined,
  );
  return performance.now() - started;
}

async function idleRun(): Promise<number> {
  const stream = new ControlledStream();
  fake.enqueueChat({ type: "controlled", stream });
  const reply = fake.replies.stream(["silent"]);
  if (reply.type !== "sse") throw new Error("expected an SSE reply");
  const chunks = await adapter.streamChat(model, request, { signal: signal() });
  await stream.opened();
  const [messageStart] = reply.events;
  if (messageStart) stream.send(messageStart);
  const lastByte = performance.now();
  try {
    for await (const _chunk of chunks);
  } catch {
    return performance.now() - lastByte;
  }
  throw new Error("the silent stream completed");
}

const report = (name: string, configured: number, observed: number[]) => {
  const sorted = [...observed].sort((a, b) => a - b);
  const late = sorted.map((ms) => ms - configured);
  console.log(
    `${name}: configured ${configured} ms, observed p50 ${percentile(sorted, 50).toFixed(1)} ms, max ${Math.max(...sorted).toFixed(1)} ms (late by p50 ${percentile(late, 50).toFixed(1)} ms, max ${Math.max(...late).toFixed(1)} ms) over ${observed.length} runs`,
  );
};

const firstByte: number[] = [];
for (let run = 0; run < runs; run++) firstByte.push(await firstByteRun());
const idle: number[] = [];
for (let run = 0; run < runs; run++) idle.push(await idleRun());
report("first-byte timeout (streamed)", firstByteMs, firstByte);
report("idle timeout", idleMs, idle);
await fake.close();
