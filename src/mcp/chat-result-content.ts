import type { CallToolResult } from "@modelcontextprotocol/server";
import type { Caller } from "../gateway/caller.js";
import type { ChatResult } from "../gateway/chat-types.js";
import type { FanOutEntry, FanOutResult } from "../gateway/fan-out-chat.js";
import type { FittedText } from "../gateway/fit-result.js";
import type { Gateway } from "../gateway/gateway.js";
import { keptResultUri } from "./kept-result-resource.js";

/** How a cut answer says so, in `structuredContent`. */
interface Truncated {
  shown_tokens: number;
  total_tokens: number;
  /** `resources/read` this for the whole text. */
  uri: string;
}

type ResourceLinkBlock = Extract<CallToolResult["content"][number], { type: "resource_link" }>;

/**
 * A chat result as an MCP tool result. Claude Code hands its model the
 * `structuredContent`, other clients show the text: both start with the
 * answer, leave out what a model has no use for (an empty tool-call list, the
 * attempt list of a first-try success), and stay within the client's limit:
 * a longer answer is cut and linked whole as a resource.
 */
export async function chatToolResult(
  gateway: Gateway,
  caller: Caller,
  result: ChatResult & { conversation?: ConversationNote },
): Promise<CallToolResult> {
  const fitted = await fitContent(gateway, caller, result.content, gateway.config.mcpMaxResultTokens);
  const structured = answerFirst(result, fitted);
  const calls = result.tool_calls.map(
    (call) => `tool call ${call.function.name}(${call.function.arguments})`,
  );
  const body = [fitted?.text ?? "", ...calls].filter(Boolean).join("\n");
  return {
    content: [
      { type: "text", text: `${body}${cutNotice(fitted)}\n\n${footer(result, result.conversation)}` },
      ...resourceLinks([fitted]),
    ],
    structuredContent: structured,
  };
}

/**
 * A fan-out as an MCP tool result: one entry per model (answer or error), then
 * the judge's synthesis. The client's limit is shared between the entries.
 */
export async function fanOutToolResult(
  gateway: Gateway,
  caller: Caller,
  outcome: FanOutResult,
): Promise<CallToolResult> {
  const entries = [...outcome.answers, ...(outcome.synthesis ? [outcome.synthesis] : [])];
  const share = Math.max(1, Math.floor(gateway.config.mcpMaxResultTokens / entries.length));
  const fitted = await Promise.all(
    entries.map((entry) => (entry.ok ? fitContent(gateway, caller, entry.result.content, share) : undefined)),
  );
  const shaped = entries.map((entry, index) => fanOutEntry(entry, fitted[index]));
  const answers = shaped.slice(0, outcome.answers.length);
  const synthesis = outcome.synthesis ? shaped[outcome.answers.length] : undefined;
  const text = entries
    .map((entry, index) => {
      const heading =
        outcome.synthesis && index === outcome.answers.length
          ? `## Synthesis (${entry.asked})`
          : `## ${entry.asked}`;
      if (!entry.ok) return `${heading}\nfailed: ${entry.error.code}: ${entry.error.message}`;
      const piece = fitted[index];
      return `${heading}\n${piece?.text ?? ""}${cutNotice(piece)}\n${footer(entry.result)}`;
    })
    .join("\n\n");
  return {
    content: [{ type: "text", text }, ...resourceLinks(fitted)],
    structuredContent: { ...(synthesis ? { synthesis } : {}), answers },
  };
}

async function fitContent(
  gateway: Gateway,
  caller: Caller,
  content: string | null,
  maxTokens: number,
): Promise<FittedText | undefined> {
  return content === null ? undefined : gateway.fitResult(content, maxTokens, caller);
}

function answerFirst(
  result: ChatResult & { conversation?: ConversationNote },
  fitted: FittedText | undefined,
): Record<string, unknown> {
  // A cache hit made no attempt: there is nothing to read in an empty list.
  const firstTrySuccess =
    result.attempts.length === 0 ||
    (result.attempts.length === 1 && result.attempts[0]?.outcome === "success");
  return {
    content: fitted?.text ?? null,
    ...(result.tool_calls.length > 0 ? { tool_calls: result.tool_calls } : {}),
    ...(result.reasoning_content ? { reasoning_content: result.reasoning_content } : {}),
    finish_reason: result.finish_reason,
    ...truncatedField(fitted),
    model: result.model,
    provider: result.provider,
    usage: result.usage,
    cost_usd: result.cost_usd,
    latency_ms: result.latency_ms,
    ...(firstTrySuccess ? {} : { attempts: result.attempts }),
    ...(result.cache ? { cache: result.cache } : {}),
    ...(result.conversation?.id ? { conversation_id: result.conversation.id } : {}),
    ...(result.conversation?.turnsLeftOut ? { turns_left_out: result.conversation.turnsLeftOut } : {}),
    id: result.id,
  };
}

function fanOutEntry(entry: FanOutEntry, fitted: FittedText | undefined): Record<string, unknown> {
  if (!entry.ok) return { asked: entry.asked, error: entry.error };
  const { result } = entry;
  return {
    asked: entry.asked,
    content: fitted?.text ?? null,
    ...(result.tool_calls.length > 0 ? { tool_calls: result.tool_calls } : {}),
    ...truncatedField(fitted),
    model: result.model,
    provider: result.provider,
    usage: result.usage,
    cost_usd: result.cost_usd,
    latency_ms: result.latency_ms,
  };
}

function truncatedField(fitted: FittedText | undefined): { truncated?: Truncated } {
  if (!fitted?.cut) return {};
  return {
    truncated: {
      shown_tokens: fitted.cut.shownTokens,
      total_tokens: fitted.cut.totalTokens,
      uri: keptResultUri(fitted.cut.keptId),
    },
  };
}

function cutNotice(fitted: FittedText | undefined): string {
  if (!fitted?.cut) return "";
  const { shownTokens, totalTokens, keptId } = fitted.cut;
  return `\n\n[cut: the first ${shownTokens} of ${totalTokens} tokens; the whole text: resources/read ${keptResultUri(keptId)}]`;
}

function resourceLinks(fitted: Array<FittedText | undefined>): ResourceLinkBlock[] {
  return fitted.flatMap((piece) =>
    piece?.cut
      ? [
          {
            type: "resource_link" as const,
            uri: keptResultUri(piece.cut.keptId),
            name: `result-${piece.cut.keptId}`,
            mimeType: "text/plain",
            description: `The whole answer (${piece.cut.totalTokens} tokens).`,
          },
        ]
      : [],
  );
}

function footer(result: ChatResult, conversation?: ConversationNote): string {
  const cached = result.cache === "hit" ? ", from the response cache" : "";
  return `[${result.model} via ${result.provider}${cached}, ${result.usage.total_tokens} tokens, $${result.cost_usd}${conversationFooter(conversation)}]`;
}

/** The conversation a single answer was stored in (absent when the store could not keep it). */
interface ConversationNote {
  id: string | undefined;
  turnsLeftOut: number;
}

function conversationFooter(conversation: ConversationNote | undefined): string {
  if (!conversation) return "";
  const stored = conversation.id
    ? `, conversation ${conversation.id}`
    : ", conversation not stored (store unavailable)";
  const leftOut = conversation.turnsLeftOut ? `, ${conversation.turnsLeftOut} oldest turns left out` : "";
  return stored + leftOut;
}
