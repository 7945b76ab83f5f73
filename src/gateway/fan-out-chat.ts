import { randomInt } from "node:crypto";
import type { ChatMessage } from "../core/chat.js";
import { GatewayError, isGatewayError } from "../core/gateway-error.js";
import { timeOrderedUuid } from "../core/time-ordered-id.js";
import type { Caller } from "./caller.js";
import type { ChatCallOptions, ChatInput, ChatOutcome, ChatResult } from "./chat-types.js";
import type { Principal } from "./principal.js";

/** More would let one call spend like a crowd: each entry is a full routed call. */
export const maxFanOutModels = 8;

/** A chat call asked of several models (or groups) at once, with an optional judge. */
export interface FanOutInput {
  /** The request every model gets: messages and options, no routing. */
  request: Omit<ChatInput, "model" | "modelGroup" | "fallbacks" | "native">;
  models: string[];
  judge?: string;
}

/** One model's answer, or why it has none; the others are unaffected either way. */
export type FanOutEntry = { asked: string } & (
  | { ok: true; result: ChatResult }
  | { ok: false; error: { code: string; message: string } }
);

export interface FanOutResult {
  answers: FanOutEntry[];
  /** The judge's synthesis of the successful answers, when a judge was named. */
  synthesis?: FanOutEntry;
}

export interface FanOutDependencies {
  /** One routed, admitted and booked call: the gateway's completeChat. */
  completeChat(input: ChatInput, caller: Caller, options: ChatCallOptions): Promise<ChatOutcome>;
  /** A door's model name as a group or catalog model; throws GW_ERR_UNKNOWN_MODEL. */
  resolveModel(name: string): { modelGroup: string } | { model: string };
  /** Throws GW_ERR_FORBIDDEN_MODEL when the caller's key may not use the group or model. */
  assertMayUse(selection: { modelGroup: string } | { model: string }, principal: Principal | undefined): void;
}

export interface FanOutOptions {
  signal: AbortSignal;
  /** Told as each entry settles (the judge last), for progress. */
  onSettled?: (entry: FanOutEntry, settled: number, total: number) => void | Promise<void>;
}

/**
 * Asks each model in parallel; every entry is its own request (own request id,
 * own budget hold, own usage record), so one failure, refusal or budget
 * exhaustion fails only its entry. When the budget admits only some entries,
 * those admitted first run and the others carry GW_ERR_BUDGET_EXCEEDED. The
 * judge then gets the successful answers unlabelled and shuffled, so neither a
 * model's name nor its place can sway it.
 */
export async function fanOutChat(
  dependencies: FanOutDependencies,
  input: FanOutInput,
  caller: Caller,
  options: FanOutOptions,
): Promise<FanOutResult> {
  assertFanOutInput(input);
  // Every name is resolved before anything is spent: an unknown one refuses the whole call.
  const selectors = input.models.map((name) => dependencies.resolveModel(name));
  const judgeSelector = input.judge === undefined ? undefined : dependencies.resolveModel(input.judge);
  // So is one the key may not use: each entry would be refused anyway, before it spent.
  for (const selector of judgeSelector ? [...selectors, judgeSelector] : selectors) {
    dependencies.assertMayUse(selector, caller.principal);
  }
  const total = input.models.length + (input.judge === undefined ? 0 : 1);
  let settled = 0;
  const ask = async (
    asked: string,
    selector: { modelGroup: string } | { model: string },
    request: FanOutInput["request"],
  ) => {
    const entry = await askOne(dependencies, asked, { ...request, ...selector }, caller, options.signal);
    settled += 1;
    await options.onSettled?.(entry, settled, total);
    return entry;
  };
  const answers = await Promise.all(
    input.models.map((name, index) =>
      ask(name, selectors[index] as (typeof selectors)[number], input.request),
    ),
  );
  if (input.judge === undefined || judgeSelector === undefined) return { answers };
  const answered = answers.flatMap((entry) => (entry.ok ? [entry.result.content ?? ""] : []));
  if (answered.length === 0) {
    const entry: FanOutEntry = {
      asked: input.judge,
      ok: false,
      error: { code: "GW_ERR_NO_ANSWERS", message: "No model answered, so the judge was not asked." },
    };
    settled += 1;
    await options.onSettled?.(entry, settled, total);
    return { answers, synthesis: entry };
  }
  const { tools: _tools, tool_choice: _choice, response_format: _format, ...plain } = input.request;
  const synthesis = await ask(input.judge, judgeSelector, {
    ...plain,
    messages: judgeMessages(input.request.messages, shuffled(answered)),
  });
  return { answers, synthesis };
}

function assertFanOutInput(input: FanOutInput): void {
  if (input.models.length === 0 || input.models.length > maxFanOutModels) {
    throw new GatewayError(
      "GW_ERR_INVALID_REQUEST",
      `\`models\` takes 1 to ${maxFanOutModels} models or groups; it has ${input.models.length}.`,
      { param: "models" },
    );
  }
}

async function askOne(
  dependencies: FanOutDependencies,
  asked: string,
  input: ChatInput,
  caller: Caller,
  signal: AbortSignal,
): Promise<FanOutEntry> {
  // Its own request id: each entry is booked as its own usage record.
  const own: Caller = { ...caller, requestId: timeOrderedUuid() };
  try {
    const { result } = await dependencies.completeChat(input, own, { signal });
    return { asked, ok: true, result };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (!isGatewayError(error)) throw error;
    return { asked, ok: false, error: { code: error.code, message: error.message } };
  }
}

/** The conversation as the models saw it, then the answers as one user turn asking for a synthesis. */
function judgeMessages(messages: ChatMessage[], answers: string[]): ChatMessage[] {
  const listed = answers.map((answer, index) => `--- Answer ${index + 1} ---\n${answer}`).join("\n\n");
  return [
    ...messages,
    {
      role: "user",
      content: `Several assistants answered the conversation above independently; their answers follow in no particular order.\n\n${listed}\n\n--- End of answers ---\n\nWrite the single best answer: keep what is correct and well supported, resolve disagreements (say which view holds and why), drop what is wrong.`,
    },
  ];
}

/** Fisher-Yates with a cryptographic source: the order says nothing about the model. */
function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = randomInt(index + 1);
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}
