/**
 * Checks the Messages API makes that a translation could trip
 * (docs.claude.com/en/api/messages, /docs/build-with-claude/extended-thinking):
 * it refuses top-level fields it does not know ("seed: Extra inputs are not
 * permitted"), and with thinking on a budget under 1024 or not below
 * `max_tokens`, a temperature other than 1, `top_k`, a `top_p` under 0.95 and a forced tool.
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
