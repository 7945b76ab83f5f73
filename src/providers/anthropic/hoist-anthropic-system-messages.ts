/**
 * A native Messages body for a model that takes no `role: "system"` message
 * inside `messages` (every Claude before Opus 4.8 answers one with 400 "role
 * 'system' is not supported on this model"): each such message moves, in
 * order, to the end of the top-level `system`, which every Claude model
 * takes. Its text keeps a system prompt's authority but applies from the
 * start of the conversation, not from its place (README, "Anthropic
 * Messages API"). The rest of the body is left as the client sent it.
 */
export function hoistAnthropicSystemMessages(body: Record<string, unknown>): Record<string, unknown> {
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  const hoisted = messages.filter(isSystemMessage);
  if (hoisted.length === 0) return body;
  return {
    ...body,
    system: [...systemBlocks(body.system), ...hoisted.flatMap(blocksOf)],
    messages: messages.filter((message) => !isSystemMessage(message)),
  };
}

interface SystemMessage {
  role: "system";
  content: unknown;
  cache_control?: unknown;
}

type Block = Record<string, unknown>;

function isSystemMessage(message: unknown): message is SystemMessage {
  return typeof message === "object" && message !== null && (message as { role?: unknown }).role === "system";
}

function systemBlocks(system: unknown): unknown[] {
  if (typeof system === "string") return system.length > 0 ? [{ type: "text", text: system }] : [];
  return Array.isArray(system) ? system : [];
}

/** A message-level cache_control marks the end of the message: its last block, as on the other turns. */
function blocksOf(message: SystemMessage): Block[] {
  const blocks: Block[] =
    typeof message.content === "string"
      ? message.content.length > 0
        ? [{ type: "text", text: message.content }]
        : []
      : Array.isArray(message.content)
        ? (message.content as Block[]).map((block) => ({ ...block }))
        : [];
  const last = blocks.at(-1);
  if (message.cache_control != null && last && last.cache_control == null) {
    last.cache_control = message.cache_control;
  }
  return blocks;
}
