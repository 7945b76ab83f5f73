import { createHmac } from "node:crypto";

/**
 * Extended thinking as the fake Anthropic checks it
 * (docs.claude.com/en/docs/build-with-claude/extended-thinking): thinking
 * blocks carry a signature the API verifies when they come back, and with
 * thinking on, the assistant turn that a final tool_result answers must
 * start with its thinking block.
 */

const signingKey = "fake-anthropic-thinking";

/** A signature only this fake issues for this text, so a tampered or invented block is caught. */
export function signThinking(thinking: string): string {
  return createHmac("sha256", signingKey).update(thinking).digest("base64");
}

/** The message the API answers 400 with, or undefined when the request is acceptable. */
export function checkThinking(body: Record<string, unknown>): string | undefined {
  const thinking = body.thinking as { type?: unknown; budget_tokens?: unknown } | undefined;
  if (thinking?.type === "enabled") {
    const budget = thinking.budget_tokens;
    if (typeof budget !== "number" || !Number.isInteger(budget) || budget < 1024) {
      return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024";
    }
    if (typeof body.max_tokens === "number" && body.max_tokens <= budget) {
      return "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size";
    }
  }
  const messages = Array.isArray(body.messages) ? (body.messages as Array<Record<string, unknown>>) : [];
  for (const [messageIndex, message] of messages.entries()) {
    if (!Array.isArray(message.content)) continue;
    for (const [blockIndex, block] of (message.content as Array<Record<string, unknown>>).entries()) {
      if (block.type === "thinking" && block.signature !== signThinking(String(block.thinking))) {
        return `messages.${messageIndex}.content.${blockIndex}: Invalid \`signature\` in \`thinking\` block`;
      }
    }
  }
  if (thinking?.type !== "enabled") return undefined;
  const last = messages.at(-1);
  const answered = messages.at(-2);
  const endsWithToolResult =
    last?.role === "user" &&
    Array.isArray(last.content) &&
    (last.content as Array<{ type?: unknown }>).some((block) => block.type === "tool_result");
  if (!endsWithToolResult || answered?.role !== "assistant") return undefined;
  const first = Array.isArray(answered.content)
    ? (answered.content as Array<{ type?: unknown }>)[0]?.type
    : "text";
  if (first === "thinking" || first === "redacted_thinking") return undefined;
  return `messages.${messages.length - 2}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(first)}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`;
}
