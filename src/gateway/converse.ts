import type { Logger } from "pino";
import type { ChatMessage } from "../core/chat.js";
import type { ConversationStore, ConversationTurn, StoredConversation } from "../core/conversation.js";
import { GatewayError } from "../core/gateway-error.js";
import { randomId } from "../core/random-id.js";
import type { Deployments } from "../routing/deployments.js";
import type { Caller } from "./caller.js";
import type { ChatInput, ChatOutcome } from "./chat-types.js";
import { assertMayActFor, mayActFor, type Principal } from "./principal.js";
import type { TokenCounter } from "./token-counter.js";

export interface ConverseContext {
  conversations: ConversationStore;
  deployments: Deployments;
  tokenCounter: TokenCounter;
  logger: Logger;
}

export interface ConverseOutcome extends ChatOutcome {
  /** Absent when the store could not keep this turn: the answer, already paid for, is returned anyway. */
  conversationId: string | undefined;
  /** Oldest stored turns not sent because the conversation outgrew the smallest context window of the chain. */
  turnsLeftOut: number;
}

/**
 * A chat call that continues a stored conversation: its turns (whatever model
 * answered them) go before the new messages, and the new messages plus the
 * answer are stored as one more turn. Without an id, a new conversation starts.
 */
export async function converse(
  context: ConverseContext,
  input: ChatInput,
  conversationId: string | undefined,
  caller: Caller,
  complete: (input: ChatInput) => Promise<ChatOutcome>,
): Promise<ConverseOutcome> {
  assertMayActFor(caller.principal, caller.projectId);
  const stored = conversationId
    ? await loadConversation(context.conversations, conversationId, caller.projectId)
    : undefined;
  const { history, turnsLeftOut } = await fitHistory(context, input, stored?.turns ?? []);
  const outcome = await complete({ ...input, messages: [...history, ...input.messages] });
  const id = conversationId ?? newConversationId();
  const message = outcome.completion.choices[0]?.message;
  const answer: ChatMessage = {
    role: "assistant",
    content: message?.content ?? null,
    ...(message?.tool_calls?.length ? { tool_calls: message.tool_calls } : {}),
  };
  try {
    await context.conversations.append({
      id,
      projectId: caller.projectId,
      turn: { messages: [...input.messages, answer] },
      model: outcome.result.model,
      tokens: outcome.result.usage.total_tokens,
      costNanoUsd: Math.round(outcome.result.cost_usd * 1e9),
      atMs: Date.now(),
    });
  } catch (error) {
    context.logger.error(
      { err: error, requestId: caller.requestId },
      "conversation store unavailable: the answer is returned without a conversation id",
    );
    return { ...outcome, conversationId: undefined, turnsLeftOut };
  }
  return { ...outcome, conversationId: id, turnsLeftOut };
}

/** A conversation the principal may read, or the same error as for an unknown id. */
export async function readConversation(
  conversations: ConversationStore,
  id: string,
  principal: Principal | undefined,
): Promise<StoredConversation> {
  const stored = await storing(() => conversations.get(id, Date.now()));
  if (!stored || !mayActFor(principal, stored.projectId)) throw unknownConversation(id);
  return stored;
}

async function loadConversation(
  conversations: ConversationStore,
  id: string,
  projectId: string,
): Promise<StoredConversation> {
  const stored = await storing(() => conversations.get(id, Date.now()));
  // Another project's conversation is refused exactly like an unknown one: ids reveal nothing.
  if (!stored || stored.projectId !== projectId) throw unknownConversation(id);
  return stored;
}

/**
 * Leaves out the oldest turns until the prompt fits the smallest context
 * window the call may land on (failover may pick any model of the chain),
 * keeping their system messages. Counted with o200k_base: an estimate for
 * other providers' tokenizers.
 */
async function fitHistory(
  context: ConverseContext,
  input: ChatInput,
  turns: ConversationTurn[],
): Promise<{ history: ChatMessage[]; turnsLeftOut: number }> {
  if (turns.length === 0) return { history: [], turnsLeftOut: 0 };
  const targets = context.deployments.targetsFor(input, "chat");
  const window = Math.min(...targets.map((deployment) => deployment.model.contextWindow));
  // No token is shorter than a byte: a conversation whose bytes fit needs no counting.
  const bytes = Buffer.byteLength(JSON.stringify([turns, input.messages]), "utf8");
  if (bytes <= window - (input.max_tokens ?? 0)) {
    return { history: turns.flatMap((turn) => turn.messages), turnsLeftOut: 0 };
  }
  const count = async (messages: ChatMessage[]) =>
    (await context.tokenCounter.countMessages(messages, "o200k_base")).tokens;
  let budget = window - (input.max_tokens ?? 0) - (await count(input.messages));
  const turnTokens = await Promise.all(turns.map((turn) => count(turn.messages)));
  const keptSystem: ChatMessage[] = [];
  let first = 0;
  let total = turnTokens.reduce((sum, tokens) => sum + tokens, 0);
  while (first < turns.length && total > budget) {
    const system = (turns[first]?.messages ?? []).filter((message) => message.role === "system");
    keptSystem.push(...system);
    budget -= system.length > 0 ? await count(system) : 0;
    total -= turnTokens[first] ?? 0;
    first += 1;
  }
  return {
    history: [...keptSystem, ...turns.slice(first).flatMap((turn) => turn.messages)],
    turnsLeftOut: first,
  };
}

/**
 * 144 random bits: ids cannot be guessed, so holding one is what lets a caller continue. Led by the
 * millisecond it began (base 36, fixed width), so a new conversation's rows append to the store's
 * keys instead of landing on a random page each: half the CPU of a first turn's write (issue 21).
 */
function newConversationId(): string {
  return randomId(`conv_${Date.now().toString(36).padStart(9, "0")}`, 18);
}

function unknownConversation(id: string): GatewayError {
  return new GatewayError(
    "GW_ERR_UNKNOWN_CONVERSATION",
    `No conversation "${id.slice(0, 64)}" in this project (unknown, expired, or another project's). Omit conversation_id to start a new one.`,
    { param: "conversation_id" },
  );
}

async function storing<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new GatewayError(
      "GW_ERR_STORE_UNAVAILABLE",
      "The conversation store is unavailable; retry, or omit conversation_id.",
      { cause: error },
    );
  }
}
