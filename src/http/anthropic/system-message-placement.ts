/**
 * Where a `role: "system"` message may stand inside `messages`, as the
 * Messages API rules it for the models that take one (Claude Opus 4.8 and
 * later; platform.claude.com/docs/en/build-with-claude/mid-conversation-system-messages,
 * "Placement rules"): not first, right after a user turn (or an assistant
 * turn that ends in a server tool use), last or right before an assistant
 * turn, never next to another system message. The door holds every request
 * to these rules whatever model answers, so a client meets the errors the
 * API itself gives.
 */

interface PlacedMessage {
  role: string;
  content: unknown;
}

export interface PlacementIssue {
  index: number;
  message: string;
}

/** The first misplaced system message, with the API's wording where it is known. */
export function systemMessagePlacementIssue(messages: readonly PlacedMessage[]): PlacementIssue | undefined {
  for (const [index, message] of messages.entries()) {
    if (message.role !== "system") continue;
    const issue = (text: string) => ({ index, message: text });
    // The API's own words (seen in Claude Code's error reports).
    if (index === 0) return issue("use the top-level 'system' parameter for the initial system prompt");
    const previous = messages[index - 1];
    const next = messages[index + 1];
    // Our words: the API's text for these two is not published.
    if (previous?.role === "system" || next?.role === "system") {
      return issue("consecutive 'system' messages are not allowed");
    }
    if (previous?.role !== "user" && !endsInServerToolUse(previous)) {
      return issue(
        "role 'system' must follow a 'user' message or an 'assistant' message ending in server tool use",
      );
    }
    // The API's own words.
    if (next && next.role !== "assistant") {
      return issue("role 'system' must precede an 'assistant' message or end the array");
    }
  }
  return undefined;
}

function endsInServerToolUse(message: PlacedMessage | undefined): boolean {
  if (message?.role !== "assistant" || !Array.isArray(message.content)) return false;
  const last: unknown = message.content.at(-1);
  return typeof last === "object" && last !== null && (last as { type?: unknown }).type === "server_tool_use";
}
