import type { ReasoningEffort } from "../../core/chat-parameters.js";
import type { ModelSpec } from "../../core/model-catalog.js";
import { claudeThinkingBudget } from "../shared/claude-thinking-budget.js";
import { createAnthropicRequestError } from "./anthropic-error.js";

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
  const budget = claudeThinkingBudget(model, effort, requestedMaxTokens);
  if ("refusal" in budget) throw createAnthropicRequestError(provider, budget.refusal);
  return { thinking: { type: "enabled", budget_tokens: budget.budgetTokens }, maxTokens: budget.maxTokens };
}
