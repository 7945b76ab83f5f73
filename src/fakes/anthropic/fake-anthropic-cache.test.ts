import { describe, expect, it } from "vitest";
import { FakePromptCache, minCacheableTokens } from "./fake-anthropic-cache.js";

const estimate = (text: string) => Math.ceil(text.length / 4);
const long = (word: string) => `${word} `.repeat(3000);

function request(ttls: { tools?: "5m" | "1h"; system?: "5m" | "1h" }, model = "claude-sonnet-4-0") {
  const mark = (ttl: "5m" | "1h" | undefined) => (ttl ? { cache_control: { type: "ephemeral", ttl } } : {});
  return {
    model,
    tools: [
      { name: "lookup", input_schema: { type: "object", description: long("tool") }, ...mark(ttls.tools) },
    ],
    system: [{ type: "text", text: long("rules"), ...mark(ttls.system) }],
    messages: [{ role: "user", content: "Hi" }],
  };
}

describe("FakePromptCache", () => {
  it("writes each breakpoint's segment at its own TTL, then reads the longest prefix still alive", () => {
    let now = 0;
    const cache = new FakePromptCache(() => now);
    const body = request({ tools: "1h", system: "5m" });
    const first = cache.apply(body, estimate);
    expect(first.readTokens).toBe(0);
    expect(first.write1hTokens).toBeGreaterThan(0);
    expect(first.write5mTokens).toBeGreaterThan(0);

    now += 4 * 60_000;
    const warm = cache.apply(body, estimate);
    expect(warm).toEqual({
      readTokens: first.write1hTokens + first.write5mTokens,
      write5mTokens: 0,
      write1hTokens: 0,
    });

    // Ten minutes of silence: the 5-minute entry (refreshed at minute 4) expired, the 1-hour one did not.
    now += 10 * 60_000;
    expect(cache.apply(body, estimate)).toEqual({
      readTokens: first.write1hTokens,
      write5mTokens: first.write5mTokens,
      write1hTokens: 0,
    });
  });

  it("neither reads nor writes a prefix below the model's minimum, and keeps models apart", () => {
    const cache = new FakePromptCache(() => 0);
    const short = {
      model: "claude-opus-4-5",
      system: [{ type: "text", text: "Brief.", cache_control: { type: "ephemeral" } }],
      messages: [],
    };
    expect(cache.apply(short, estimate)).toEqual({ readTokens: 0, write5mTokens: 0, write1hTokens: 0 });
    expect(minCacheableTokens("claude-opus-4-5")).toBe(4096);
    expect(minCacheableTokens("claude-sonnet-4-0")).toBe(1024);

    cache.apply(request({ system: "5m" }), estimate);
    expect(cache.apply(request({ system: "5m" }, "claude-haiku-4-5"), estimate).readTokens).toBe(0);
  });

  it("counts breakpoints on tools, system and message blocks together", () => {
    expect(FakePromptCache.countBreakpoints(request({ tools: "5m", system: "1h" }))).toBe(2);
  });
});
