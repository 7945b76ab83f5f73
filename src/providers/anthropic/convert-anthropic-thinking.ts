import type { ReasoningEffort } from "../../core/chat-parameters.js";
import type { ModelSpec } from "../../core/model-catalog.js";
import { createAnthropicRequestError } from "./anthropic-error.js";

/**
 * `reasoning_effort` as an extended-thinking budget
 * (docs.claude.com/en/docs/build-with-claude/extended-thinking). Anthropic's
 * minimum budget is 1024; the others follow Gemini's OpenAI-compatible
 * mapping (low 1024, medium 8192, high 24576).
 */
const thinkingBudgets: Record<Exclude<ReasoningEffort, "none">, number> = {
  minimal: 1024,
  low: 1024,
  medium: 8192,
  high: 24_576,
  xhigh: 32_768,
};

const minimumBudget = 1024;

export interface AnthropicThinking {
  thinking: { type: "enabled"; budget_tokens: number };
  /** `max_tokens` counts thinking too and must exceed the budget: the caller's answer allowance plus the budget. */
  maxTokens: number;
}

export function convertAnthropicThinking(
  provider: string,
  model: ModelSpec,
  effort: ReasoningEffort | undefined,
  requestedMaxTokens: number | undefined,
): AnthropicThinking | undefined {
  if (effort === undefined || effort === "none") return undefined;
  const answerTokens = requestedMaxTokens ?? model.maxOutputTokens;
  const maxTokens = Math.min(model.maxOutputTokens, answerTokens + thinkingBudgets[effort]);
  const budget = Math.min(thinkingBudgets[effort], maxTokens - 1);
  if (budget < minimumBudget) {
    throw createAnthropicRequestError(
      provider,
      `reasoning_effort needs max_tokens above ${minimumBudget} thinking tokens, and ${model.name} writes at most ${model.maxOutputTokens}`,
    );
  }
  return { thinking: { type: "enabled", budget_tokens: budget }, maxTokens };
}
