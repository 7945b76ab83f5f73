import type { ReasoningEffort } from "../../core/chat-parameters.js";
import type { ModelSpec } from "../../core/model-catalog.js";

/**
 * `reasoning_effort` as a Claude extended-thinking budget, wherever Claude is
 * served (docs.claude.com/en/docs/build-with-claude/extended-thinking).
 * Claude's minimum budget is 1024; the others follow Gemini's
 * OpenAI-compatible mapping (low 1024, medium 8192, high 24576).
 */
const thinkingBudgets: Record<Exclude<ReasoningEffort, "none">, number> = {
  minimal: 1024,
  low: 1024,
  medium: 8192,
  high: 24_576,
  xhigh: 32_768,
};

const minimumBudget = 1024;

export type ClaudeThinkingBudget = { budgetTokens: number; maxTokens: number } | { refusal: string };

/**
 * `max_tokens` counts thinking too and must exceed the budget: the caller's
 * answer allowance plus the budget, within what the model writes. A model
 * that cannot fit the minimum budget gets a refusal for the caller.
 */
export function claudeThinkingBudget(
  model: ModelSpec,
  effort: Exclude<ReasoningEffort, "none">,
  requestedMaxTokens: number | undefined,
): ClaudeThinkingBudget {
  const answerTokens = requestedMaxTokens ?? model.maxOutputTokens;
  const maxTokens = Math.min(model.maxOutputTokens, answerTokens + thinkingBudgets[effort]);
  const budgetTokens = Math.min(thinkingBudgets[effort], maxTokens - 1);
  if (budgetTokens < minimumBudget) {
    return {
      refusal: `reasoning_effort needs max_tokens above ${minimumBudget} thinking tokens, and ${model.name} writes at most ${model.maxOutputTokens}`,
    };
  }
  return { budgetTokens, maxTokens };
}
