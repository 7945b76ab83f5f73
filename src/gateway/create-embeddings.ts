import type { EmbeddingRequest } from "../core/embedding.js";
import { GatewayError } from "../core/gateway-error.js";
import type { BudgetReservation } from "../governance/budget-guard.js";
import type { Attempt } from "../routing/attempt.js";
import type { Deployment, Deployments } from "../routing/deployments.js";
import type { FailoverRouter } from "../routing/failover-router.js";
import { nanoUsdToUsd } from "../usage/compute-cost.js";
import type { Admission } from "./admission.js";
import type { Caller } from "./caller.js";
import { targetsForCaller } from "./model-permission.js";
import { embeddingTokenBound } from "./prompt-token-bound.js";
import { recordUsage } from "./record-usage.js";
import type { TokenCounter } from "./token-counter.js";
import type { UsageBooker } from "./usage-booker.js";

export interface EmbeddingsContext {
  deployments: Deployments;
  admission: Admission;
  tokenCounter: TokenCounter;
  router: FailoverRouter;
  booker: UsageBooker;
  requestTimeoutMs: number;
}

export interface EmbeddingsInput extends EmbeddingRequest {
  modelGroup?: string;
  model?: string;
}

/** The create_embeddings result (snake_case: a public contract). */
export interface EmbeddingsResult {
  model: string;
  provider: string;
  embeddings: number[][];
  usage: { input_tokens: number; total_tokens: number };
  cost_usd: number;
  latency_ms: number;
  attempts: Attempt[];
}

/** create_embeddings for both doors: route with failover, book, return vectors. */
export async function createEmbeddings(
  context: EmbeddingsContext,
  input: EmbeddingsInput,
  caller: Caller,
  signal: AbortSignal,
): Promise<EmbeddingsResult> {
  if (input.model && input.modelGroup) {
    throw new GatewayError("GW_ERR_INVALID_REQUEST", "Give either `model` or `model_group`, not both.", {
      param: "model_group",
    });
  }
  const targets = targetsForCaller(context.deployments, input, "embedding", caller.principal);
  const request: EmbeddingRequest = { input: input.input, dimensions: input.dimensions, user: input.user };
  const reservation = await context.admission.admit(caller, targets, {
    promptTokens: () => embeddingTokenBound(context.tokenCounter, request.input),
    withinContextWindow: false,
    maxOutputTokens: () => 0,
  });
  try {
    return await embedRouted(context, input, request, targets, caller, signal, reservation);
  } finally {
    await reservation.release();
  }
}

async function embedRouted(
  context: EmbeddingsContext,
  input: EmbeddingsInput,
  request: EmbeddingRequest,
  targets: Deployment[],
  caller: Caller,
  signal: AbortSignal,
  reservation: BudgetReservation,
): Promise<EmbeddingsResult> {
  const started = performance.now();
  const routed = await context.router.route(
    targets,
    async (deployment, attemptSignal, traceHeaders) => {
      if (!deployment.adapter.embed) {
        throw new GatewayError(
          "GW_ERR_INVALID_REQUEST",
          `${deployment.provider.name} has no embeddings API.`,
        );
      }
      return deployment.adapter.embed(deployment.model, request, {
        signal: attemptSignal,
        traceHeaders,
        onResponseHeaders: deployment.load.noteResponseHeaders,
      });
    },
    { signal, deadlineAt: Date.now() + context.requestTimeoutMs, trace: caller.trace },
  );
  const latencyMs = Math.round(performance.now() - started);
  const inputTokens = routed.value.usage.prompt_tokens;
  const costNanoUsd = recordUsage(
    context.booker,
    {
      caller,
      modelGroup: input.model ? null : (input.modelGroup ?? "embedding"),
      deployment: routed.deployment,
      tokens: { inputTokens, outputTokens: 0, cachedInputTokens: 0, cacheWriteInputTokens: 0 },
      latencyMs,
      outcome: "success",
      estimated: routed.value.usageEstimated === true,
    },
    reservation,
  );
  return {
    model: routed.deployment.model.name,
    provider: routed.deployment.provider.name,
    embeddings: routed.value.embeddings,
    usage: { input_tokens: inputTokens, total_tokens: routed.value.usage.total_tokens },
    cost_usd: nanoUsdToUsd(costNanoUsd),
    latency_ms: latencyMs,
    attempts: routed.attempts,
  };
}
