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
  const breakpoints = [
    ...(request.tools ?? []).map((tool) => tool.cache_control),
    ...request.messages.flatMap((message) => [
      message.cache_control,
      ...(Array.isArray(message.content)
        ? message.content.map((part) => (part.type === "text" ? part.cache_control : undefined))
        : []),
    ]),
  ].filter((breakpoint) => breakpoint !== undefined);
  if (breakpoints.some((breakpoint) => breakpoint.ttl === "1h")) return "1h";
  return breakpoints.length > 0 || providerOptions.autoCacheBreakpoints ? "5m" : "none";
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
