/**
 * Checks the Messages API makes that a translation could trip
 * (docs.claude.com/en/api/messages, /docs/build-with-claude/extended-thinking):
 * it refuses top-level fields it does not know ("seed: Extra inputs are not
 * permitted"), and with thinking on a budget under 1024 or not below
 * `max_tokens`, a temperature other than 1, `top_k`, a `top_p` under 0.95 and a forced tool;
 * and `role: "system"` messages inside `messages` on models without them, or out of place.
 */
const messagesFields = new Set([
  "model",
  "messages",
  "max_tokens",
  "system",
  "metadata",
  "stop_sequences",
  "stream",
  "temperature",
  "top_p",
  "top_k",
  "tools",
  "tool_choice",
  "thinking",
  "service_tier",
  "container",
  "mcp_servers",
  "context_management",
  // Effort and structured outputs (Claude Code sends output_config on every call), data residency.
  "output_config",
  "output_format",
  "inference_geo",
]);

export function anthropicRefusalOf(body: Record<string, unknown>): string | undefined {
  const unknown = Object.keys(body).find((field) => !messagesFields.has(field));
  if (unknown) return `${unknown}: Extra inputs are not permitted`;
  const systemRefusal = systemMessageRefusalOf(body);
  if (systemRefusal) return systemRefusal;
  const thinking = body.thinking as { type?: unknown; budget_tokens?: unknown } | undefined;
  if (thinking?.type !== "enabled") return undefined;
  const budget = Number(thinking.budget_tokens);
  if (!(budget >= 1024))
    return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024";
  if (!(Number(body.max_tokens) > budget))
    return "`max_tokens` must be greater than `thinking.budget_tokens`";
  if (body.temperature !== undefined && body.temperature !== 1) {
    return "`temperature` may only be set to 1 when thinking is enabled";
  }
  if (body.top_k !== undefined) return "`top_k` cannot be set when thinking is enabled";
  if (body.top_p !== undefined && Number(body.top_p) < 0.95) {
    return "`top_p` must be greater than or equal to 0.95 when thinking is enabled";
  }
  const choice = body.tool_choice as { type?: unknown } | undefined;
  if (choice?.type === "any" || choice?.type === "tool") {
    return "Thinking may not be enabled when tool_choice forces tool use.";
  }
  return undefined;
}

/**
 * Claude Opus 4.8 and the models after it take `role: "system"` messages
 * inside `messages` (platform.claude.com/docs/en/build-with-claude/mid-conversation-system-messages;
 * LangChain's model profiles list Opus 5 and 5.5, Sonnet 5 and 5.5, Haiku
 * 5.5, Fable 5 and Mythos 5 too); the others refuse any.
 */
const takesSystemMessages = /^claude-(opus-4-8|(opus|sonnet|haiku|fable|mythos)-5)/;

/**
 * The refusal of a system message inside `messages`: on a model without
 * them, in the API's words; out of place or with other than text, after the
 * placement and content rules (the API's words for the first message and
 * for what must follow; ours where its text is not published).
 */
export function systemMessageRefusalOf(body: Record<string, unknown>): string | undefined {
  const messages = (Array.isArray(body.messages) ? body.messages : []) as Array<{
    role?: unknown;
    content?: unknown;
  }>;
  const first = messages.findIndex((message) => message?.role === "system");
  if (first < 0) return undefined;
  if (!takesSystemMessages.test(String(body.model))) return "role 'system' is not supported on this model";
  for (const [index, message] of messages.entries()) {
    if (message?.role !== "system") continue;
    const previous = messages[index - 1];
    const next = messages[index + 1];
    if (index === 0) return "messages.0: use the top-level 'system' parameter for the initial system prompt";
    if (previous?.role === "system" || next?.role === "system") {
      return `messages.${index}: consecutive 'system' messages are not allowed`;
    }
    const lastBlock = Array.isArray(previous?.content) ? previous.content.at(-1) : undefined;
    if (previous?.role !== "user" && lastBlock?.type !== "server_tool_use") {
      return `messages.${index}: role 'system' must follow a 'user' message or an 'assistant' message ending in server tool use`;
    }
    if (next && next.role !== "assistant") {
      return `messages.${index}: role 'system' must precede an 'assistant' message or end the array`;
    }
    const blocks = Array.isArray(message.content) ? (message.content as Array<{ type?: unknown }>) : [];
    const other = blocks.findIndex((block) => block?.type !== "text");
    if (other >= 0) return `messages.${index}.content.${other}: a 'system' message takes text blocks only`;
  }
  return undefined;
}
