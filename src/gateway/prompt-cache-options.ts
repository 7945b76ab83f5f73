import type { AutoCacheBreakpointsConfig } from "../config/gateway-config.js";
import type { ChatRequest } from "../core/chat.js";
import type { ProviderCallOptions } from "../core/provider-adapter.js";
import type { Caller } from "./caller.js";
import type { ChatInput } from "./chat-types.js";

/** What the provider call is told about prompt caching. */
export type PromptCacheOptions = Pick<ProviderCallOptions, "autoCacheBreakpoints">;

/** The longest TTL a request may write the prompt cache at: its own breakpoints', or the automatic ones'. */
export function cacheWriteTtl(
  request: ChatRequest,
  providerOptions: PromptCacheOptions,
): "none" | "5m" | "1h" {
  // A loop, not flatMap and filter: this runs for every chat request.
  let marked = false;
  const note = (breakpoint: { ttl?: string } | undefined) => {
    if (breakpoint === undefined) return false;
    marked = true;
    return breakpoint.ttl === "1h";
  };
  for (const tool of request.tools ?? []) if (note(tool.cache_control)) return "1h";
  for (const message of request.messages) {
    if (note(message.cache_control)) return "1h";
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content) if (part.type === "text" && note(part.cache_control)) return "1h";
  }
  return marked || providerOptions.autoCacheBreakpoints ? "5m" : "none";
}

/** The opt-in of DESIGN's prompt caching: by the group routed to, or by the calling project. */
export function autoCacheOptions(
  config: AutoCacheBreakpointsConfig | undefined,
  input: ChatInput,
  caller: Caller,
): PromptCacheOptions {
  if (!config) return {};
  const group = input.model ? undefined : (input.modelGroup ?? "reasoning");
  const optedIn =
    config.projects.includes(caller.projectId) || (group !== undefined && config.modelGroups.includes(group));
  return optedIn ? { autoCacheBreakpoints: { minPromptTokens: config.minPromptTokens } } : {};
}
