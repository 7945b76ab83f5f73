import pino from "pino";
import { describe, expect, it } from "vitest";
import type { ResponseCacheConfig } from "../config/response-cache-config.js";
import type { CachedAnswer, ResponseCacheStore } from "../core/response-cache.js";
import type { Caller } from "./caller.js";
import type { ChatOutcome } from "./chat-types.js";
import { ResponseCache } from "./response-cache.js";

const config: ResponseCacheConfig = {
  maxBytes: 1_000_000,
  sharedAcrossProjects: false,
  defaults: { enabled: true, ttlMs: 60_000, nondeterministic: false, toolCalls: false },
  modelGroups: {},
  projects: {},
};
const caller: Caller = { projectId: "p", agentId: "a", door: "openai", requestId: "r1" };
const input = { modelGroup: "fast", temperature: 0, messages: [{ role: "user" as const, content: "hi" }] };
const outcome = {
  completion: {
    id: "x",
    object: "chat.completion",
    created: 1,
    model: "m",
    choices: [{ index: 0, message: { role: "assistant", content: "hello" }, finish_reason: "stop" }],
  },
  result: { provider: "openai", model: "gpt-4.1-mini" },
} as unknown as ChatOutcome;

/** An engine that fails or stalls on demand: the cache's fail-open rules are about what it does then. */
class ScriptedStore implements ResponseCacheStore {
  readonly backend = "redis" as const;
  calls = 0;
  failing = false;
  stalled: Array<() => void> = [];
  stall = false;
  readonly entries = new Map<string, CachedAnswer>();

  async get(key: string): Promise<CachedAnswer | undefined> {
    this.calls++;
    if (this.failing) throw new Error("Command timed out");
    return this.entries.get(key);
  }
  async set(key: string, answer: CachedAnswer): Promise<void> {
    this.calls++;
    if (this.stall) await new Promise<void>((resolve) => this.stalled.push(resolve));
    if (this.failing) throw new Error("Command timed out");
    this.entries.set(key, answer);
  }
  async nearest(): Promise<undefined> {
    return undefined;
  }
  async close(): Promise<void> {}
}

describe("ResponseCache failing open", () => {
  it("skips the engine for retryAfterMs once it failed, logging the outage once", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const store = new ScriptedStore();
    const cache = new ResponseCache(store, config, logger, undefined, 100);
    const plan = cache.plan(input, caller, undefined);
    if (!plan) throw new Error("expected a plan");
    const signal = new AbortController().signal;
    store.failing = true;
    expect(await cache.lookup(plan, caller, signal)).toBeUndefined();
    expect(await cache.lookup(plan, caller, signal)).toBeUndefined();
    cache.keep(plan, outcome, 5);
    expect(store.calls).toBe(1);
    expect(lines.filter((line) => String(line.msg).startsWith("response cache"))).toHaveLength(1);
    store.failing = false;
    await new Promise((resolve) => setTimeout(resolve, 120));
    cache.keep(plan, outcome, 5);
    await cache.close();
    expect((await cache.lookup(plan, caller, signal))?.costNanoUsd).toBe(5);
  });

  it("keeps an answer without holding up the request, and close waits for the write", async () => {
    const store = new ScriptedStore();
    const cache = new ResponseCache(store, config, pino({ level: "silent" }));
    const plan = cache.plan(input, caller, undefined);
    if (!plan) throw new Error("expected a plan");
    store.stall = true;
    cache.keep(plan, outcome, 7);
    expect(store.entries.size).toBe(0);
    let closed = false;
    const closing = cache.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(false);
    for (const resolve of store.stalled) resolve();
    await closing;
    expect(store.entries.size).toBe(1);
  });

  it("does not apply to non-deterministic, tool-offering or no-store requests, nor to a project that turned it off", () => {
    const cache = new ResponseCache(
      new ScriptedStore(),
      { ...config, projects: { off: { enabled: false } } },
      pino({ level: "silent" }),
    );
    expect(cache.plan(input, caller, undefined)).toBeDefined();
    expect(cache.plan({ ...input, temperature: 0.2 }, caller, undefined)).toBeUndefined();
    expect(cache.plan({ ...input, temperature: undefined }, caller, undefined)).toBeUndefined();
    const tools = [{ type: "function" as const, function: { name: "f" } }];
    expect(cache.plan({ ...input, tools }, caller, undefined)).toBeUndefined();
    expect(cache.plan(input, caller, { read: false, write: false })).toBeUndefined();
    expect(cache.plan(input, { ...caller, projectId: "off" }, undefined)).toBeUndefined();
  });
});
