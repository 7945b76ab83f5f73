import autocannon, { type Result } from "autocannon";
import { Client } from "undici";
import { cpuSeconds } from "./bench-processes.js";

/** One thing to send load at: a URL, the request to repeat, and the process whose CPU it costs. */
export interface Target {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The proxy's or gateway's process (the fake's for direct calls). */
  pid: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  cpuSeconds: number;
}

/** Latencies in ms of `count` requests sent one after another (autocannon, one connection). */
export async function sequentialLatencies(target: Target, count: number): Promise<number[]> {
  const latencies: number[] = [];
  await cannon(target, { connections: 1, amount: count }, (responseTime) => latencies.push(responseTime));
  return latencies;
}

/** Requests answered and CPU the target's process spent under `connections` concurrent connections. */
export async function loadFor(
  target: Target,
  options: { connections: number; seconds?: number; amount?: number },
): Promise<LoadResult> {
  const cpuBefore = cpuSeconds(target.pid);
  const started = performance.now();
  const result = await cannon(target, {
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.seconds ?? 1 }),
  });
  return {
    requests: result.requests.total,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: cpuSeconds(target.pid) - cpuBefore,
  };
}

/** A Chat Completions chunk whose delta carries text: what a user sees first (a role-only chunk does not). */
const contentDelta = /"delta":\{[^}]*"content":"[^"]/;

/**
 * Time to the first body byte, to the first content delta and to the last
 * byte of `count` streamed requests sent one after another over one
 * keep-alive connection (autocannon sees only whole responses).
 */
export async function streamTimings(
  target: Target,
  count: number,
): Promise<{ firstByte: number[]; firstContent: number[]; lastByte: number[] }> {
  const url = new URL(target.url);
  const client = new Client(url.origin, { pipelining: 1 });
  const firstByte: number[] = [];
  const firstContent: number[] = [];
  const lastByte: number[] = [];
  try {
    for (let index = 0; index < count; index++) {
      const started = performance.now();
      const response = await client.request({
        method: "POST",
        path: url.pathname,
        headers: target.headers,
        body: target.body,
      });
      let first: number | undefined;
      let content: number | undefined;
      let text = "";
      for await (const chunk of response.body) {
        const now = performance.now();
        first ??= now;
        if (content === undefined) {
          text += String(chunk);
          if (contentDelta.test(text)) content = now;
        }
      }
      const last = performance.now();
      if (response.statusCode !== 200) throw new Error(`${target.url} answered ${response.statusCode}`);
      if (content === undefined) throw new Error(`${target.url} streamed no content delta`);
      firstByte.push((first ?? last) - started);
      firstContent.push(content - started);
      lastByte.push(last - started);
    }
  } finally {
    await client.close();
  }
  return { firstByte, firstContent, lastByte };
}

function cannon(
  target: Target,
  options: { connections: number; amount?: number; duration?: number },
  onResponse?: (responseTime: number) => void,
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        method: "POST",
        headers: target.headers,
        body: target.body,
        timeout: 30,
        sampleInt: 10,
        ...options,
      },
      (error, result) => {
        if (error) return reject(error);
        // A target that fails must not produce a table of fast errors.
        if (result.errors > 0 || result.non2xx > 0 || result.timeouts > 0) {
          return reject(
            new Error(
              `${target.url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
            ),
          );
        }
        resolve(result);
      },
    );
    if (onResponse) {
      instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) =>
        onResponse(responseTime),
      );
    }
  });
}
