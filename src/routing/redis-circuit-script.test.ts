import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithRedis, sharedRedisUrl } from "../usage/shared-test-redis.js";
import {
  applyCircuitOperation,
  type CircuitOperation,
  type CircuitOutcome,
  type CircuitPolicy,
  type CircuitRecord,
  closedCircuitRecord,
} from "./apply-circuit-operation.js";
import {
  parseRedisCircuitReply,
  redisCircuitArguments,
  redisCircuitChannel,
  redisCircuitKey,
  redisCircuitScript,
} from "./redis-circuit-script.js";

const prefix = `llmgw-test:circuit-script:${process.pid}-${randomBytes(4).toString("hex")}:`;
const channel = redisCircuitChannel(prefix);

type RunScript = (key: string, ...args: Array<string | number>) => Promise<unknown>;

function connectWithScript(): { connection: Redis; run: RunScript } {
  const connection = new Redis(sharedRedisUrl);
  connection.defineCommand("llmGatewayCircuitTest", { numberOfKeys: 1, lua: redisCircuitScript });
  const command = (connection as unknown as Record<string, RunScript>).llmGatewayCircuitTest as RunScript;
  return { connection, run: command.bind(connection) };
}

/** Deterministic pseudo-random numbers (mulberry32), so a failing sequence can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What both sides must agree on; times only as "still running", since the clocks differ. */
function comparable(record: CircuitRecord, now: number) {
  return {
    state: record.state,
    consecutiveFailures: record.consecutiveFailures,
    generation: record.generation,
    version: record.version,
    trial: record.trial,
    cooling: record.state === "open" && now < record.openUntil,
    leased: record.trial !== "" && now < record.leaseUntil,
  };
}

describeWithRedis("the circuit script in Redis and applyCircuitOperation agree", () => {
  let client: Redis;
  let subscriber: Redis;
  let run: RunScript;
  const messages: string[] = [];

  beforeAll(async () => {
    ({ connection: client, run } = connectWithScript());
    subscriber = new Redis(sharedRedisUrl);
    subscriber.on("message", (_channel: string, message: string) => messages.push(message));
    await subscriber.subscribe(channel);
  });
  afterAll(async () => {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.unlink(...keys);
    await Promise.all([client.quit(), subscriber.quit()]);
  });

  // Cooldown and lease of 0 run out at once, of 10^9 never: time cannot make the two sides differ.
  const policies: CircuitPolicy[] = [0, 1e9].flatMap((cooldownMs) =>
    [0, 1e9].map((trialLeaseMs) => ({ failureThreshold: 3, cooldownMs, trialLeaseMs })),
  );

  for (const [index, policy] of policies.entries()) {
    it(`on 250 random operations (cooldown ${policy.cooldownMs} ms, lease ${policy.trialLeaseMs} ms)`, async () => {
      const random = seededRandom(index + 1);
      const deployment = `fake/differential-${index}`;
      const key = redisCircuitKey(prefix, deployment);
      let local = closedCircuitRecord();
      const seen = new Set<CircuitOutcome>();
      for (let step = 0; step < 250; step++) {
        const operation = randomOperation(random, local.generation);
        const reply = await run(key, ...redisCircuitArguments(channel, deployment, operation, policy));
        const now = Date.now();
        const remote = parseRedisCircuitReply(reply, now);
        const expected = applyCircuitOperation(local, operation, policy, now);
        const where = `step ${step}, ${JSON.stringify(operation)}`;
        expect(remote.outcome, where).toBe(expected.outcome);
        expect(comparable(remote.record, now), where).toEqual(comparable(expected.record, now));
        local = expected.record;
        seen.add(remote.outcome);
      }
      // The sequences reach the branches that matter for the policy.
      expect(seen).toContain("opened");
      expect(seen).toContain(policy.cooldownMs === 0 ? "trial_after_cooldown" : "open");
    });
  }

  it("publishes what other replicas must hear of, with the state it left", async () => {
    const deployment = "fake/published";
    const key = redisCircuitKey(prefix, deployment);
    const policy = { failureThreshold: 2, cooldownMs: 0, trialLeaseMs: 1e9 };
    const operations: CircuitOperation[] = [
      { kind: "failure", generation: 0, reason: "500" }, // counted, the first of a run: published
      { kind: "success", generation: 0 }, // reset: not published
      { kind: "failure", generation: 0, reason: "500" }, // counted, first again: published
      { kind: "failure", generation: 0, reason: "500" }, // opened: published
      { kind: "observe" },
      { kind: "acquire_trial", token: "t1" }, // trial after cooldown: published
      { kind: "acquire_trial", token: "t2" }, // held: not published
      { kind: "trial_release", token: "t1" }, // released: published
      { kind: "acquire_trial", token: "t2" }, // trial: published
      { kind: "trial_failure", token: "t2", reason: "timeout" }, // reopened: published
      { kind: "acquire_trial", token: "t3" }, // trial after cooldown: published
      { kind: "trial_success", token: "t3" }, // closed by trial: published
    ];
    messages.length = 0;
    const outcomes: string[] = [];
    for (const operation of operations) {
      const reply = await run(key, ...redisCircuitArguments(channel, deployment, operation, policy));
      outcomes.push(parseRedisCircuitReply(reply, Date.now()).outcome);
    }
    await client.publish(channel, "end");
    while (messages.at(-1) !== "end") await once(subscriber, "message");
    const published = messages.slice(0, -1).map((message) => JSON.parse(message) as [string, unknown[]]);
    expect(outcomes).toEqual([
      "counted",
      "reset",
      "counted",
      "opened",
      "observed",
      "trial_after_cooldown",
      "held",
      "released",
      "trial",
      "reopened",
      "trial_after_cooldown",
      "closed_by_trial",
    ]);
    expect(published.map(([, reply]) => reply[0])).toEqual([
      "counted",
      "counted",
      "opened",
      "trial_after_cooldown",
      "released",
      "trial",
      "reopened",
      "trial_after_cooldown",
      "closed_by_trial",
    ]);
    expect(published.every(([name]) => name === deployment)).toBe(true);
    expect(parseRedisCircuitReply(published.at(-1)?.[1], Date.now()).record).toMatchObject({
      state: "closed",
      consecutiveFailures: 0,
      generation: 2,
      version: 10,
      trial: "",
    });
  });

  it("grants exactly one trial to 50 concurrent askers on separate connections", async () => {
    const deployment = "fake/concurrent-trial";
    const key = redisCircuitKey(prefix, deployment);
    const policy = { failureThreshold: 1, cooldownMs: 0, trialLeaseMs: 1e9 };
    const args = (operation: CircuitOperation) =>
      redisCircuitArguments(channel, deployment, operation, policy);
    await run(key, ...args({ kind: "failure", generation: 0, reason: "500" }));
    const askers = Array.from({ length: 50 }, connectWithScript);
    try {
      const replies = await Promise.all(
        askers.map((asker, index) => asker.run(key, ...args({ kind: "acquire_trial", token: `t${index}` }))),
      );
      const outcomes = replies.map((reply) => parseRedisCircuitReply(reply, Date.now()).outcome);
      expect(outcomes.filter((outcome) => outcome === "trial_after_cooldown")).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === "held")).toHaveLength(49);
    } finally {
      await Promise.all(askers.map(({ connection }) => connection.quit()));
    }
  });

  it("refuses an unknown operation without touching the circuit", async () => {
    const key = redisCircuitKey(prefix, "fake/unknown");
    await expect(run(key, channel, "fake/unknown", "explode", "", 1, 1, 1)).rejects.toThrow(
      /unknown circuit operation explode/,
    );
    expect(await client.exists(key)).toBe(0);
  });

  it("reads an unexpected reply as an error, not as a closed circuit", () => {
    expect(() => parseRedisCircuitReply(["observed", "ajar", 0, 0, 0, 0, 0, "", 0], 0)).toThrow(/unexpected/);
    expect(() => parseRedisCircuitReply("OK", 0)).toThrow(/unexpected/);
  });
});

function randomOperation(random: () => number, generation: number): CircuitOperation {
  const token = ["a", "b", "c"][Math.floor(random() * 3)] as string;
  // Mostly the current generation, sometimes a late (older) one.
  const permitGeneration = random() < 0.8 ? generation : Math.max(0, generation - 1);
  const pick = random();
  if (pick < 0.3) return { kind: "failure", generation: permitGeneration, reason: "500" };
  if (pick < 0.4) return { kind: "success", generation: permitGeneration };
  if (pick < 0.6) return { kind: "acquire_trial", token };
  if (pick < 0.7) return { kind: "trial_success", token };
  if (pick < 0.8) return { kind: "trial_failure", token, reason: "timeout" };
  if (pick < 0.9) return { kind: "trial_release", token };
  return { kind: "observe" };
}
