import { Client } from "undici";

export interface ReplayedWorkload {
  requests: number;
  distinctPrompts: number;
  hits: number;
  /** Prompts the draw asked at least once: every other request is a repeat, which should be a hit. */
  promptsDrawn: number;
  /** Per-request latency in ms, hits and misses alike. */
  latencies: number[];
}

/**
 * A replayed deterministic workload: `requests` chat calls (temperature 0),
 * one after another over one keep-alive connection, each asking one of
 * `distinctPrompts` prompts drawn uniformly by a seeded generator (the same
 * sequence every run). Counts the answers the gateway marked
 * `x-llm-gateway-cache: hit`.
 */
export async function replayWorkload(
  url: string,
  headers: Record<string, string>,
  options: { requests: number; distinctPrompts: number; model: string },
): Promise<ReplayedWorkload> {
  const target = new URL(url);
  const client = new Client(target.origin, { pipelining: 1 });
  const next = seededRandom(20_261_206);
  const latencies: number[] = [];
  let hits = 0;
  const drawn = new Set<number>();
  try {
    for (let index = 0; index < options.requests; index++) {
      const prompt = Math.floor(next() * options.distinctPrompts);
      drawn.add(prompt);
      const body = JSON.stringify({
        model: options.model,
        temperature: 0,
        messages: [{ role: "user", content: `Replayed prompt number ${prompt}: summarize it.` }],
      });
      const started = performance.now();
      const response = await client.request({ method: "POST", path: target.pathname, headers, body });
      await response.body.text();
      latencies.push(performance.now() - started);
      if (response.statusCode !== 200) throw new Error(`replayed request answered ${response.statusCode}`);
      if (response.headers["x-llm-gateway-cache"] === "hit") hits++;
    }
  } finally {
    await client.close();
  }
  return {
    requests: options.requests,
    distinctPrompts: options.distinctPrompts,
    hits,
    promptsDrawn: drawn.size,
    latencies,
  };
}

/** mulberry32: a small seeded generator, so every run replays the same sequence. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
