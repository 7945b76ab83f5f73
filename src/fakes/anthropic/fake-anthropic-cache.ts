/**
 * The fake Anthropic's prompt cache, faithful enough to bill
 * (docs.claude.com/en/docs/build-with-claude/prompt-caching): the prompt is
 * tools, then system, then messages, in blocks; a `cache_control` block is a
 * breakpoint caching everything up to and including it. A breakpoint whose
 * prefix was cached before (same model, same blocks, unexpired) is read; the
 * longest such prefix is read and every later breakpoint long enough for the
 * model is written, each segment at its breakpoint's TTL. Reads refresh the
 * entry's lifetime, as the real cache does.
 */

export const maxCacheBreakpoints = 4;

export interface CacheOutcome {
  readTokens: number;
  write5mTokens: number;
  write1hTokens: number;
}

interface Breakpoint {
  key: string;
  prefixTokens: number;
  ttlMs: number;
}

const ttlMs = { "5m": 5 * 60_000, "1h": 60 * 60_000 } as const;

/** The smallest cacheable prompt per model; shorter prefixes are neither read nor written. */
export function minCacheableTokens(model: string): number {
  if (/opus-4-[56]|haiku-4-5/.test(model)) return 4096;
  if (/haiku-3|sonnet-4-6/.test(model)) return 2048;
  return 1024;
}

export class FakePromptCache {
  private readonly expiresAt = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** How many breakpoints the request sets (the API refuses more than four). */
  static countBreakpoints(body: Record<string, unknown>): number {
    return promptBlocks(body).filter((block) => isMarked(block)).length;
  }

  /** Looks the request's breakpoints up, writes what was not cached, and says what to bill. */
  apply(body: Record<string, unknown>, estimateTokens: (text: string) => number): CacheOutcome {
    const model = String(body.model);
    const breakpoints = this.breakpointsOf(model, body, estimateTokens);
    const outcome: CacheOutcome = { readTokens: 0, write5mTokens: 0, write1hTokens: 0 };
    const now = this.now();
    // Expired entries go, so a long-running fake (demo mode) does not grow without bound.
    for (const [key, expiry] of this.expiresAt) if (expiry <= now) this.expiresAt.delete(key);
    let readIndex = -1;
    breakpoints.forEach((breakpoint, index) => {
      if ((this.expiresAt.get(breakpoint.key) ?? 0) > now) readIndex = index;
    });
    const read = breakpoints[readIndex];
    if (read) {
      outcome.readTokens = read.prefixTokens;
      this.expiresAt.set(read.key, now + read.ttlMs);
    }
    let covered = outcome.readTokens;
    for (const breakpoint of breakpoints.slice(readIndex + 1)) {
      if (breakpoint.prefixTokens < minCacheableTokens(model)) continue;
      const segment = breakpoint.prefixTokens - covered;
      if (breakpoint.ttlMs === ttlMs["1h"]) outcome.write1hTokens += segment;
      else outcome.write5mTokens += segment;
      covered = breakpoint.prefixTokens;
      this.expiresAt.set(breakpoint.key, now + breakpoint.ttlMs);
    }
    return outcome;
  }

  private breakpointsOf(
    model: string,
    body: Record<string, unknown>,
    estimateTokens: (text: string) => number,
  ): Breakpoint[] {
    const blocks = promptBlocks(body);
    const breakpoints: Breakpoint[] = [];
    blocks.forEach((block, index) => {
      if (!isMarked(block)) return;
      const prefix = JSON.stringify(blocks.slice(0, index + 1).map(withoutCacheControl));
      const ttl = (block.cache_control as { ttl?: unknown }).ttl === "1h" ? ttlMs["1h"] : ttlMs["5m"];
      breakpoints.push({ key: `${model}\n${prefix}`, prefixTokens: estimateTokens(prefix), ttlMs: ttl });
    });
    return breakpoints;
  }
}

type Block = Record<string, unknown>;

/** The prompt in cache order: tools, system, then each message's blocks. */
function promptBlocks(body: Record<string, unknown>): Block[] {
  const asBlocks = (value: unknown): Block[] =>
    typeof value === "string"
      ? [{ type: "text", text: value }]
      : Array.isArray(value)
        ? value.filter((block): block is Block => typeof block === "object" && block !== null)
        : [];
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return [
    ...asBlocks(body.tools),
    ...asBlocks(body.system),
    ...messages.flatMap((message: { role?: unknown; content?: unknown }) =>
      asBlocks(message?.content).map((block) => ({ role: message?.role, ...block })),
    ),
  ];
}

function isMarked(block: Block): boolean {
  return typeof block.cache_control === "object" && block.cache_control !== null;
}

function withoutCacheControl(block: Block): Block {
  const { cache_control: _breakpoint, ...rest } = block;
  return rest;
}
