import type { AnthropicCacheControl, AnthropicRequestBody } from "./anthropic-api.js";
import { createAnthropicRequestError } from "./anthropic-error.js";

/** Anthropic refuses a request with more cache breakpoints than this (docs.claude.com, prompt caching). */
export const maxAnthropicCacheBreakpoints = 4;

/** Options for breakpoints the gateway adds itself (opt-in per group or project). */
export interface AutoCacheBreakpoints {
  /** Estimated tokens a prefix needs before it is worth a breakpoint. */
  minPromptTokens: number;
}

type Marked = { cache_control?: AnthropicCacheControl };

function markedBlocks(body: AnthropicRequestBody): Marked[] {
  return [
    ...(body.tools ?? []),
    ...(body.system ?? []),
    ...body.messages.flatMap((message) => message.content as Marked[]),
  ].filter((block) => block.cache_control !== undefined);
}

/** Refuses more breakpoints than Anthropic takes, naming the limit, before anything is sent. */
export function checkAnthropicCacheBreakpoints(provider: string, body: AnthropicRequestBody): void {
  const count = markedBlocks(body).length;
  if (count > maxAnthropicCacheBreakpoints) {
    throw createAnthropicRequestError(
      provider,
      `cache_control: at most ${maxAnthropicCacheBreakpoints} cache breakpoints are allowed (tools, system and content parts together), ${count} were given`,
    );
  }
}

/**
 * Marks the end of a long tool list and of a long system prompt, the stable
 * prefix of an agent's every turn (Anthropic caches tools, then system, then
 * messages, each breakpoint covering everything before it). A caller who
 * placed breakpoints keeps exactly theirs. Lengths are estimated at four
 * characters a token; a breakpoint on a prefix below the model's minimum is
 * harmless (Anthropic then neither reads nor writes the cache).
 */
export function addAutoCacheBreakpoints(body: AnthropicRequestBody, options: AutoCacheBreakpoints): void {
  if (markedBlocks(body).length > 0) return;
  const toolsTokens = estimateTokens(JSON.stringify(body.tools ?? []));
  const lastTool = body.tools?.at(-1);
  if (lastTool && toolsTokens >= options.minPromptTokens) lastTool.cache_control = { type: "ephemeral" };
  const systemTokens = estimateTokens((body.system ?? []).map((block) => block.text).join(""));
  const lastSystem = body.system?.at(-1);
  if (lastSystem && toolsTokens + systemTokens >= options.minPromptTokens && systemTokens > 0) {
    lastSystem.cache_control = { type: "ephemeral" };
  }
}

function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
