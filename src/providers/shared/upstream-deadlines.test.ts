import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defaultCatalog } from "../../config/default-catalog.js";
import type { ChatRequest } from "../../core/chat.js";
import type { ModelSpec } from "../../core/model-catalog.js";
import type { ProviderTimeouts } from "../../core/provider-adapter.js";
import { createFakeAnthropic, type FakeAnthropic } from "../../fakes/anthropic/fake-anthropic.js";
import { ControlledStream } from "../../fakes/fake-upstream-server.js";
import { createAnthropicAdapter } from "../anthropic/anthropic-adapter.js";
import { loadUndici } from "./load-undici.js";

const model = defaultCatalog()["claude-haiku"] as ModelSpec;
const request: ChatRequest = { messages: [{ role: "user", content: "Hi" }] };
/**
 * How early a timer may seem to fire: libuv reads its clock once per loop turn, so a timer set late
 * in a busy turn (a loaded machine, the whole suite running) starts from a clock a few ms old.
 */
const earliness = 25;
/** How late a deadline may fire (issue 17: within 50 ms of its value), beyond a plain timer's lateness. */
const tolerance = 50;

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await createFakeAnthropic();
  // A process's first upstream call loads undici (start-up does not): these tests time deadlines, not that.
  await loadUndici();
});
afterAll(() => fake.close());
beforeEach(() => fake.server.reset());

const adapterWith = (timeouts: Partial<ProviderTimeouts>) =>
  createAnthropicAdapter({
    name: "anthropic",
    kind: "anthropic",
    apiKey: "sk-ant-test-0123456789",
    baseUrl: fake.baseUrl,
    timeouts: { connectMs: 1_000, firstByteMs: 5_000, answerMs: 5_000, idleMs: 5_000, ...timeouts },
  });
const call = () => ({ signal: new AbortController().signal });

/**
 * When `promise` rejects, with what, and how that compares with a plain timer of `deadlineMs` armed at the
 * same moment. A loaded machine (the whole suite on two cores) runs every timer late, by more than 50 ms at
 * times; a deadline answers only for the lateness that is its own, beyond the plain timer's (undici's
 * one-second wheel would be hundreds of ms beyond it).
 */
async function timeToRejection(
  promise: Promise<unknown>,
  deadlineMs: number,
): Promise<{ ms: number; beyondPlainTimer: number; error: unknown }> {
  const started = performance.now();
  const plainTimerFired = new Promise<number>((resolve) =>
    setTimeout(() => resolve(performance.now()), deadlineMs),
  );
  try {
    await promise;
  } catch (error) {
    const rejectedAt = performance.now();
    return { ms: rejectedAt - started, beyondPlainTimer: rejectedAt - (await plainTimerFired), error };
  }
  throw new Error("expected a rejection");
}

async function drain(stream: AsyncIterable<unknown>): Promise<number> {
  let chunks = 0;
  for await (const _chunk of stream) chunks++;
  return chunks;
}

describe("upstream deadlines (own timers, not undici's one-second wheel)", () => {
  it("a streamed call's first-byte timeout fires within 50 ms of its value, and is a timeout that counts", async () => {
    const adapter = adapterWith({ firstByteMs: 600 });
    for (let run = 0; run < 3; run++) {
      fake.enqueueChat({ type: "hang" });
      const { ms, beyondPlainTimer, error } = await timeToRejection(
        adapter.streamChat(model, request, call()),
        600,
      );
      expect(ms).toBeGreaterThanOrEqual(600 - earliness);
      expect(beyondPlainTimer).toBeLessThan(tolerance);
      expect(error).toMatchObject({ kind: "timeout", explainedByRequest: false });
    }
  });

  it("a non-streamed call waits for its answer timeout, not the first-byte one; that timeout is explained by the request", async () => {
    const adapter = adapterWith({ firstByteMs: 100, answerMs: 500 });
    const answer = fake.replies.text("late but in time");
    if (answer.type !== "json") throw new Error("expected a JSON reply");
    fake.enqueueChat({ ...answer, delayMs: 250 });
    const completion = await adapter.chat(model, request, call());
    expect(completion.choices[0]?.message.content).toBe("late but in time");
    fake.enqueueChat({ type: "hang" });
    const { ms, beyondPlainTimer, error } = await timeToRejection(adapter.chat(model, request, call()), 500);
    expect(ms).toBeGreaterThanOrEqual(500 - earliness);
    expect(beyondPlainTimer).toBeLessThan(tolerance);
    expect(error).toMatchObject({ kind: "timeout", explainedByRequest: true });
  });

  it("the idle timeout fires within 50 ms of the provider's last byte", async () => {
    const adapter = adapterWith({ idleMs: 400 });
    const stream = new ControlledStream();
    fake.enqueueChat({ type: "controlled", stream });
    const reply = fake.replies.stream(["never", " finished"]);
    if (reply.type !== "sse") throw new Error("expected an SSE reply");
    const chunks = await adapter.streamChat(model, request, call());
    await stream.opened();
    for (const event of reply.events.slice(0, 4)) stream.send(event);
    const { ms: silence, beyondPlainTimer, error } = await timeToRejection(drain(chunks), 400);
    expect(silence).toBeGreaterThanOrEqual(400 - earliness);
    expect(beyondPlainTimer).toBeLessThan(tolerance);
    expect(error).toMatchObject({ kind: "timeout", explainedByRequest: false });
    expect(String((error as Error).message)).toMatch(/no data for 400 ms/);
  });

  it("each chunk restarts the idle timer: a stream longer than the idle timeout, never silent that long, completes", async () => {
    const adapter = adapterWith({ idleMs: 300 });
    fake.enqueueChat(fake.replies.stream(["a", "b", "c", "d", "e", "f"], { chunkDelayMs: 150 }));
    const started = performance.now();
    const chunks = await drain(await adapter.streamChat(model, request, call()));
    expect(performance.now() - started).toBeGreaterThan(900);
    expect(chunks).toBeGreaterThan(6);
  });

  it("a caller reading slowly is not taken for a silent provider", async () => {
    const adapter = adapterWith({ idleMs: 200 });
    fake.enqueueChat(fake.replies.stream(["a", "b", "c"]));
    let chunks = 0;
    for await (const _chunk of await adapter.streamChat(model, request, call())) {
      chunks++;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(chunks).toBeGreaterThan(3);
  });
});
