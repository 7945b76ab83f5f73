import type { BalancingStrategy } from "../core/deployment-settings.js";
import type { TokenNeed } from "./deployment-load.js";
import type { Deployment } from "./deployments.js";

/**
 * How the deployments of one chain step are ordered for a request:
 * - `weighted`: at random in proportion to `weight` (LiteLLM's simple-shuffle);
 * - `least_latency`: lowest recent time to first token first (an unmeasured deployment first, to measure it);
 * - `least_busy`: fewest calls under way in this process first, per unit of weight;
 * - `cheapest`: lowest price for the request's estimated tokens first.
 * Ties fall to the weighted order. Whatever the strategy, a deployment its
 * provider's rate-limit headers hold back goes to the back of the step.
 */

export interface BalanceInputs {
  strategy: BalancingStrategy;
  need: TokenNeed;
  now: number;
  random: () => number;
}

/**
 * Orders `list[from..to)` in place: the step's deployments as the strategy
 * ranks them. Allocates nothing (a step has a handful of deployments, so the
 * sorts are insertion sorts).
 */
export function orderStep(list: Deployment[], from: number, to: number, inputs: BalanceInputs): void {
  if (to - from < 2) return;
  weightedShuffle(list, from, to, inputs.random);
  switch (inputs.strategy) {
    case "least_latency":
      sortBy(list, from, to, inputs, latencyScore);
      break;
    case "least_busy":
      sortBy(list, from, to, inputs, busyScore);
      break;
    case "cheapest":
      sortBy(list, from, to, inputs, priceScore);
      break;
    case "weighted":
      break;
  }
  sortBy(list, from, to, inputs, heldBackScore);
}

/** Weighted sampling without replacement, in place: position i gets one of the rest in proportion to weight. */
function weightedShuffle(list: Deployment[], from: number, to: number, random: () => number): void {
  for (let i = from; i < to - 1; i++) {
    let total = 0;
    for (let j = i; j < to; j++) total += (list[j] as Deployment).weight;
    let pick = random() * total;
    let chosen = to - 1;
    for (let j = i; j < to; j++) {
      pick -= (list[j] as Deployment).weight;
      if (pick < 0) {
        chosen = j;
        break;
      }
    }
    if (chosen !== i) {
      const swap = list[i] as Deployment;
      list[i] = list[chosen] as Deployment;
      list[chosen] = swap;
    }
  }
}

type Score = (deployment: Deployment, inputs: BalanceInputs) => number;

/** Stable insertion sort by ascending score: ties keep the order before it. */
function sortBy(list: Deployment[], from: number, to: number, inputs: BalanceInputs, score: Score): void {
  for (let i = from + 1; i < to; i++) {
    const item = list[i] as Deployment;
    const itemScore = score(item, inputs);
    let j = i - 1;
    while (j >= from && score(list[j] as Deployment, inputs) > itemScore) {
      list[j + 1] = list[j] as Deployment;
      j--;
    }
    list[j + 1] = item;
  }
}

const latencyScore: Score = (deployment) => deployment.load.firstTokenMs ?? 0;

const busyScore: Score = (deployment) => deployment.load.inFlight / deployment.weight;

const priceScore: Score = (deployment, { need }) => {
  const pricing = deployment.model.pricing;
  return need.inputTokens * pricing.inputMicroUsdPerMtok + need.outputTokens * pricing.outputMicroUsdPerMtok;
};

const heldBackScore: Score = (deployment, { need, now }) =>
  deployment.load.heldBackUntil(need, now) > 0 ? 1 : 0;
