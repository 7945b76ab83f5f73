import type { Logger } from "pino";
import type { AutoCacheBreakpointsConfig, HedgingConfig } from "../config/gateway-config.js";
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, ChatUsage } from "../core/chat.js";
import { GatewayError } from "../core/gateway-error.js";
import type { NativeStreamOptions, NativeStreamPart } from "../core/provider-adapter.js";
import { tokenUsageFromChatUsage } from "../core/token-usage.js";
import type { UsageOutcome } from "../core/usage-record.js";
import { type BudgetReservation, unlimitedReservation } from "../governance/budget-guard.js";
import type { Deployment, Deployments } from "../routing/deployments.js";
import type { DeploymentCall, FailoverRouter } from "../routing/failover-router.js";
import type { FirstTokenTimes } from "../routing/first-token-times.js";
import { assertSomeTargetHonours, unsupportedReason } from "../routing/unsupported-parameters.js";
import { nanoUsdToUsd } from "../usage/compute-cost.js";
import type { Admission } from "./admission.js";
import type { CallProgress } from "./call-progress.js";
import type { Caller } from "./caller.js";
import { ChatStreamAccumulator, chunkCarriesContent } from "./chat-stream-accumulator.js";
import type { ChatCallOptions, ChatInput, ChatOutcome, NativeChatInput } from "./chat-types.js";
import { type AbandonedCall, routeHedged } from "./hedged-route.js";
import { targetsForCaller } from "./model-permission.js";
import {
  answeredOnlyUnstreamed,
  nativeCallFor,
  refuseWhenNoneCanCarry,
  takesNatively,
  unsupportedBy,
} from "./native-routing.js";
import { autoCacheOptions, cacheWriteTtl, type PromptCacheOptions } from "./prompt-cache-options.js";
import { promptTokenBound } from "./prompt-token-bound.js";
import { recordUsage } from "./record-usage.js";
import { replayCachedAnswer } from "./replay-cached-answer.js";
import type { CachePlan, ResponseCache } from "./response-cache.js";
import { type EncodingName, TokenCounter } from "./token-counter.js";
import { tokenNeedOf } from "./token-need.js";
import type { UsageBooker } from "./usage-booker.js";

export interface ChatContext {
  deployments: Deployments;
  admission: Admission;
  router: FailoverRouter;
  booker: UsageBooker;
  tokenCounter: TokenCounter;
  requestTimeoutMs: number;
  /** Longest a call may run in all (LLM_GATEWAY_MAX_CALL_SECONDS). */
  maxCallMs: number;
  /** Whether a one-answer call is streamed from the provider (LLM_GATEWAY_PROVIDER_STREAMING). */
  providerStreaming: "always" | "as_requested";
  logger: Logger;
  autoCacheBreakpoints?: AutoCacheBreakpointsConfig;
  hedging?: HedgingConfig;
  /** Each deployment's recent times to first token, which hedging reads. */
  firstTokenTimes?: FirstTokenTimes;
  /** Answers repeated requests without a provider call; undefined: no response cache. */
  responseCache?: ResponseCache;
}

/** A step of an upstream stream: a translated chunk, or a native step (its events and their chunk). */
type StreamStep = {
  chunk?: ChatCompletionChunk;
  native?: NativeStreamPart["events"];
  carriesContent: boolean;
  /** A native stream's last step, for a caller who wants one answer: the provider's whole body. */
  nativeBody?: unknown;
};

interface OpenedStream {
  /** Steps read up to and including the first one with content. */
  head: StreamStep[];
  rest: AsyncIterator<StreamStep>;
}

type RoutableDeployment = Deployment & { adapter: NonNullable<Deployment["adapter"]> };

/**
 * chat_completion for both doors: route with failover, stream or not, book
 * exactly one usage record, return DESIGN.md's result shape.
 */
export async function completeChat(
  context: ChatContext,
  input: ChatInput,
  caller: Caller,
  options: ChatCallOptions,
): Promise<ChatOutcome> {
  if (input.model && input.modelGroup) {
    throw new GatewayError("GW_ERR_INVALID_REQUEST", "Give either `model` or `model_group`, not both.", {
      param: "model_group",
    });
  }
  if (input.fallbacks?.length && !input.model) {
    throw new GatewayError("GW_ERR_INVALID_REQUEST", "`fallbacks` only applies with `model`.", {
      param: "fallbacks",
    });
  }
  const targets = targetsForCaller(context.deployments, input, "chat", caller.principal, tokenNeedOf(input));
  refuseWhenNoneCanCarry(input.native, targets);
  const request = toChatRequest(input);
  // A deployment taking the door's request natively gets it whole: its parameters are its own.
  if (!targets.some((deployment) => takesNatively(deployment, input.native))) {
    assertSomeTargetHonours(targets, request);
  }
  const cachePlan = context.responseCache?.plan(input, caller, options.cache);
  if (cachePlan) {
    const started = performance.now();
    const cached = await context.responseCache?.lookup(cachePlan, caller, options.signal);
    if (cached) {
      // A hit spends nothing, so it holds no budget; it is still a request, so rate limits count it.
      await context.admission.admitUnbilled(caller);
      return replayCachedAnswer(context.booker, input, caller, options, cached, started);
    }
  }
  const outcome = await answerFromProvider(context, input, request, targets, caller, {
    ...options,
    ...(cachePlan && options.onCommit
      ? { onCommit: (answering) => options.onCommit?.({ ...answering, cache: "miss" }) }
      : {}),
  });
  if (cachePlan) keepAnswer(context, cachePlan, outcome);
  return outcome;
}

/** A miss's answer is kept for the next identical request; the caller learns it was a miss. */
function keepAnswer(context: ChatContext, plan: CachePlan, outcome: ChatOutcome): void {
  outcome.cache = "miss";
  outcome.result.cache = "miss";
  if (outcome.completion.choices.length === 0) return;
  context.responseCache?.keep(plan, outcome, Math.round(outcome.result.cost_usd * 1e9));
}

async function answerFromProvider(
  context: ChatContext,
  input: ChatInput,
  request: ChatRequest,
  targets: Deployment[],
  caller: Caller,
  options: ChatCallOptions,
): Promise<ChatOutcome> {
  const providerOptions = autoCacheOptions(context.autoCacheBreakpoints, input, caller);
  const reservation = await context.admission.admit(caller, targets, {
    promptTokens: (stopAt) => promptTokenBound(context.tokenCounter, request, stopAt),
    withinContextWindow: true,
    maxOutputTokens: (deployment) => maxOutputTokensOf(request, deployment),
    cacheWrites: cacheWriteTtl(request, providerOptions),
  });
  const limit = limitCallDuration(options.signal, context.maxCallMs);
  try {
    return await answerChat(
      context,
      input,
      request,
      targets,
      caller,
      { ...options, signal: limit.signal },
      reservation,
      providerOptions,
    );
  } finally {
    limit.stop();
    // A no-op once the answer settled the hold; frees it when no provider answered.
    await reservation.release();
  }
}

/**
 * The caller's signal, also aborted once the call has run `maxCallMs`: a
 * provider still writing is stopped, and what it wrote is booked, as when a
 * caller leaves; the reason is the error the caller gets.
 */
function limitCallDuration(signal: AbortSignal, maxCallMs: number): { signal: AbortSignal; stop(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => {
    controller.abort(
      new GatewayError(
        "GW_ERR_DEADLINE_EXCEEDED",
        `The call ran for ${Math.round(maxCallMs / 1000)} s (LLM_GATEWAY_MAX_CALL_SECONDS) and was stopped; what the provider had produced is booked.`,
      ),
    );
  }, maxCallMs).unref();
  return {
    signal: controller.signal,
    stop: () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    },
  };
}

async function answerChat(
  context: ChatContext,
  input: ChatInput,
  request: ChatRequest,
  targets: Deployment[],
  caller: Caller,
  options: ChatCallOptions,
  reservation: BudgetReservation,
  providerOptions: PromptCacheOptions,
): Promise<ChatOutcome> {
  if (!options.onChunk && !streamsFromProvider(context, input, request)) {
    const started = performance.now();
    const routeOptions = routeOptionsFor(context, input, request, caller, options);
    const underWay = new CallsUnderWay(options.signal, options.progress);
    const routed = await context.router
      .route(
        targets,
        underWay.track(
          (deployment, signal, traceHeaders) =>
            nativeCallFor(deployment, input.native)?.chat({ signal, traceHeaders }) ??
            deployment.adapter
              .chat(deployment.model, request, {
                signal,
                traceHeaders,
                ...providerOptions,
                onResponseHeaders: deployment.load.noteResponseHeaders,
              })
              .then((completion) => ({ completion })),
        ),
        routeOptions,
      )
      .catch(async (error: unknown) => {
        await bookAbandonedCalls(context, caller, input, request, reservation, underWay, started);
        throw error;
      });
    const { completion } = routed.value;
    const usage =
      completion.usage ??
      (await estimateUsage(context, routed.deployment, request, completionText(completion)));
    const outcome = finish(context, caller, input, reservation, routed.deployment, routed.attempts, started, {
      completion,
      usage,
      estimated: completion.usage === undefined,
      outcome: "success",
    });
    if ("body" in routed.value) outcome.nativeBody = routed.value.body;
    return outcome;
  }

  return answerStreaming(context, input, request, targets, caller, options, reservation, providerOptions);
}

/**
 * Whether the provider is asked to stream though the caller may want one
 * answer: liveness is then bytes, so a long generation is never cut by a
 * wall clock, and the answer is assembled from the stream (a native
 * request's too: the provider's own body, as it would have sent it). Not for
 * what a stream does not carry whole (several choices, logprobs, audio, a
 * background Response). With `as_requested`, a one-answer call is not streamed: the provider sees the
 * call as the caller made it, and the answer timeout is its only bound.
 */
function streamsFromProvider(context: ChatContext, input: ChatInput, request: ChatRequest): boolean {
  if (context.providerStreaming === "as_requested") return false;
  if (answeredOnlyUnstreamed(input.native)) return false;
  if ((request.n ?? 1) > 1 || request.logprobs || request.modalities?.includes("audio")) return false;
  return true;
}

/**
 * The answer read from a provider stream: failover until the first content
 * chunk, then every chunk forwarded as it comes (to `onChunk`, when the
 * caller streams) and folded into the result.
 */
async function answerStreaming(
  context: ChatContext,
  input: ChatInput,
  request: ChatRequest,
  targets: Deployment[],
  caller: Caller,
  options: ChatCallOptions,
  reservation: BudgetReservation,
  providerOptions: PromptCacheOptions,
): Promise<ChatOutcome> {
  const started = performance.now();
  const routeOptions = routeOptionsFor(context, input, request, caller, options);
  const { onChunk, progress } = options;
  const underWay = new CallsUnderWay(options.signal, progress);
  const { routed, abandoned } = await routeHedged(
    context.router,
    targets,
    underWay.track(async (deployment, signal, traceHeaders) => {
      const callStarted = performance.now();
      const opened = await openStream(deployment, request, input.native, {
        signal,
        traceHeaders,
        ...providerOptions,
        onResponseHeaders: deployment.load.noteResponseHeaders,
        assembleBody: !onChunk && !options.onNativeEvents,
      });
      const firstTokenMs = performance.now() - callStarted;
      context.firstTokenTimes?.record(deployment.key, firstTokenMs);
      deployment.load.noteFirstToken(firstTokenMs);
      return opened;
    }),
    { ...routeOptions, deferSettle: true },
    hedgeAfterMs(context, input, targets),
  ).catch(async (error: unknown) => {
    // A caller who leaves before the first token: the provider was sent the prompt.
    await bookAbandonedCalls(context, caller, input, request, reservation, underWay, started);
    throw error;
  });
  // The race's loser was sent the prompt: its spend is booked apart, off the answer's path, and
  // settled with the answer against the budget.
  const lostCost = abandoned && bookHedgeLoser(context, caller, input, request, abandoned, started);
  const { deployment, permit } = routed;
  progress?.answering(deployment);
  const timeToFirstTokenMs = Math.round(performance.now() - started);
  options.onCommit?.({
    provider: deployment.provider.name,
    model: deployment.model.name,
    attempts: routed.attempts.length,
    native: takesNatively(deployment, input.native),
  });
  const accumulator = new ChatStreamAccumulator();
  const id = `chatcmpl-${caller.requestId}`;
  let nativeBody: unknown;
  // Not async: a caller who wants one answer has nothing to wait for, and a promise per chunk showed.
  const forward = ({ chunk, native, nativeBody: body }: StreamStep): void | Promise<void> => {
    if (body !== undefined) nativeBody = body;
    if (chunk) {
      accumulator.add(chunk);
      if (progress) progress.received(chunkText(chunk));
    }
    if (native) return options.onNativeEvents?.(native);
    if (!chunk || !onChunk) return;
    chunk.id = id;
    chunk.model = deployment.model.name;
    return onChunk(chunk);
  };
  let failure: unknown;
  try {
    for (const chunk of routed.value.head) await forward(chunk);
    for (let next = await routed.value.rest.next(); !next.done; next = await routed.value.rest.next()) {
      const forwarded = forward(next.value);
      if (forwarded) await forwarded;
    }
    permit?.success();
  } catch (error) {
    failure = error;
    if (options.signal.aborted) permit?.release();
    else permit?.failure(error instanceof Error ? error.message : String(error));
    await routed.value.rest.return?.().catch(() => undefined);
  }
  if (lostCost) reservation = withExtraCost(reservation, await lostCost);
  // A cut stream's usage so far is only what the provider had reported (Anthropic's input counts at
  // message_start): its output is what was delivered, counted here.
  const usage =
    failure === undefined && accumulator.usage
      ? accumulator.usage
      : await estimateUsage(context, deployment, request, accumulator.deliveredText, accumulator.usage);
  const outcome = finish(context, caller, input, reservation, deployment, routed.attempts, started, {
    completion: completionFrom(accumulator, id, deployment, usage),
    usage,
    estimated: failure !== undefined || accumulator.usage === undefined,
    outcome: failure === undefined ? "success" : "partial",
  });
  outcome.timeToFirstTokenMs = timeToFirstTokenMs;
  if (nativeBody !== undefined) outcome.nativeBody = nativeBody;
  if (failure === undefined) return outcome;
  if (options.signal.aborted) throw options.signal.reason;
  const reason = failure instanceof Error ? failure.message : String(failure);
  throw new GatewayError(
    "GW_ERR_STREAM_INTERRUPTED",
    `${deployment.key} failed after it had started answering (${reason}); what it had produced is booked. Retry the request.`,
    { details: { attempts: routed.attempts, partial: outcome.result }, cause: failure },
  );
}

/**
 * Opens the upstream stream and reads until the first chunk the caller would
 * see. Failures before that point throw, so the router fails over invisibly.
 */
async function openStream(
  deployment: RoutableDeployment,
  request: ChatRequest,
  native: NativeChatInput | undefined,
  { assembleBody, ...providerOptions }: NativeStreamOptions,
): Promise<OpenedStream> {
  const nativeCall = nativeCallFor(deployment, native);
  const rest = (
    nativeCall
      ? nativeSteps(
          await nativeCall.stream({
            signal: providerOptions.signal,
            traceHeaders: providerOptions.traceHeaders,
            onResponseHeaders: deployment.load.noteResponseHeaders,
            assembleBody,
          }),
        )
      : translatedSteps(await deployment.adapter.streamChat(deployment.model, request, providerOptions))
  )[Symbol.asyncIterator]();
  const head: StreamStep[] = [];
  try {
    for (let next = await rest.next(); !next.done; next = await rest.next()) {
      head.push(next.value);
      if (next.value.carriesContent) break;
    }
  } catch (error) {
    await rest.return?.(undefined).catch(() => undefined);
    throw error;
  }
  return { head, rest };
}

/** Each chunk as a step; a mapping iterator, not a generator: one promise per chunk instead of three. */
function translatedSteps(chunks: AsyncIterable<ChatCompletionChunk>): AsyncIterable<StreamStep> {
  const iterator = chunks[Symbol.asyncIterator]();
  const step = (next: IteratorResult<ChatCompletionChunk>): IteratorResult<StreamStep> =>
    next.done
      ? { done: true, value: undefined }
      : { done: false, value: { chunk: next.value, carriesContent: chunkCarriesContent(next.value) } };
  const steps: AsyncIterator<StreamStep> = {
    next: () => iterator.next().then(step),
    return: async () => {
      await iterator.return?.();
      return { done: true, value: undefined };
    },
  };
  return { [Symbol.asyncIterator]: () => steps };
}

async function* nativeSteps(parts: AsyncIterable<NativeStreamPart>): AsyncGenerator<StreamStep> {
  for await (const part of parts) {
    yield {
      ...(part.chunk ? { chunk: part.chunk } : {}),
      native: part.events,
      carriesContent: part.carriesContent,
      ...(part.body !== undefined ? { nativeBody: part.body } : {}),
    };
  }
}

/** When a hedged group's streamed call is late enough to start the next deployment beside it, or undefined. */
function hedgeAfterMs(context: ChatContext, input: ChatInput, targets: Deployment[]): number | undefined {
  const { hedging, firstTokenTimes } = context;
  if (!hedging || !firstTokenTimes || input.model) return undefined;
  if (!hedging.modelGroups.includes(input.modelGroup ?? "reasoning")) return undefined;
  const [primary] = targets;
  if (!primary) return undefined;
  return firstTokenTimes.p95(primary.key, hedging.minSamples) ?? hedging.floorMs;
}

/**
 * Books what the hedge race's loser spent, under the request id with
 * `-hedge` appended (a record is one request id): the prompt, and whatever
 * it had streamed before it lost, counted and marked estimated. Returns its cost.
 */
async function bookHedgeLoser(
  context: ChatContext,
  caller: Caller,
  input: ChatInput,
  request: ChatRequest,
  abandoned: AbandonedCall<OpenedStream>,
  started: number,
): Promise<number> {
  const accumulator = new ChatStreamAccumulator();
  for (const step of abandoned.value?.head ?? []) if (step.chunk) accumulator.add(step.chunk);
  await abandoned.value?.rest.return?.(undefined).catch(() => undefined);
  const usage = await estimateUsage(
    context,
    abandoned.deployment,
    request,
    accumulator.deliveredText,
    accumulator.usage,
  );
  const loserCaller = { ...caller, requestId: `${caller.requestId}-hedge` };
  return recordUsage(
    context.booker,
    {
      caller: loserCaller,
      modelGroup: input.model ? null : (input.modelGroup ?? "reasoning"),
      deployment: abandoned.deployment,
      tokens: tokenUsageFromChatUsage(usage),
      latencyMs: Math.round(performance.now() - started),
      outcome: "error",
      estimated: true,
      joins: caller.requestId,
    },
    unlimitedReservation(loserCaller.requestId),
  );
}

/** The request's reservation, settling for `extraNanoUsd` more than its answer cost. */
function withExtraCost(reservation: BudgetReservation, extraNanoUsd: number): BudgetReservation {
  return {
    requestId: reservation.requestId,
    heldNanoUsd: reservation.heldNanoUsd,
    settle: (actualCostNanoUsd) => reservation.settle(actualCostNanoUsd + extraNanoUsd),
    release: () => reservation.settle(extraNanoUsd),
  };
}

function finish(
  context: ChatContext,
  caller: Caller,
  input: ChatInput,
  reservation: BudgetReservation,
  deployment: Deployment,
  attempts: ChatOutcome["result"]["attempts"],
  started: number,
  answer: { completion: ChatCompletion; usage: ChatUsage; estimated: boolean; outcome: UsageOutcome },
): ChatOutcome {
  const latencyMs = Math.round(performance.now() - started);
  const tokens = tokenUsageFromChatUsage(answer.usage);
  const costNanoUsd = recordUsage(
    context.booker,
    {
      caller,
      modelGroup: input.model ? null : (input.modelGroup ?? "reasoning"),
      deployment,
      tokens,
      latencyMs,
      outcome: answer.outcome,
      estimated: answer.estimated,
    },
    reservation,
  );
  const choice = answer.completion.choices[0];
  const completion: ChatCompletion = {
    ...answer.completion,
    id: `chatcmpl-${caller.requestId}`,
    model: deployment.model.name,
    usage: answer.usage,
  };
  return {
    completion,
    estimated: answer.estimated,
    result: {
      id: completion.id,
      model: deployment.model.name,
      provider: deployment.provider.name,
      content: choice?.message.content ?? null,
      tool_calls: choice?.message.tool_calls ?? [],
      ...(choice?.message.reasoning_content ? { reasoning_content: choice.message.reasoning_content } : {}),
      finish_reason: choice?.finish_reason ?? null,
      usage: {
        input_tokens: tokens.inputTokens,
        output_tokens: tokens.outputTokens,
        cached_input_tokens: tokens.cachedInputTokens,
        cache_write_tokens: tokens.cacheWriteInputTokens,
        total_tokens: tokens.inputTokens + tokens.outputTokens,
      },
      cost_usd: nanoUsdToUsd(costNanoUsd),
      latency_ms: latencyMs,
      attempts,
    },
  };
}

function routeOptionsFor(
  context: ChatContext,
  input: ChatInput,
  request: ChatRequest,
  caller: Caller,
  options: ChatCallOptions,
) {
  const untranslatable = unsupportedBy(input.native);
  return {
    signal: options.signal,
    trace: caller.trace,
    deadlineAt: Date.now() + context.requestTimeoutMs,
    // Skipped: a deployment the door's request cannot be translated to, or whose provider cannot honour a parameter.
    unsupportedBy: (deployment: Deployment) =>
      takesNatively(deployment, input.native)
        ? undefined
        : (untranslatable?.(deployment) ?? unsupportedReason(deployment, request)),
  };
}

/**
 * The output the budget hold covers: thinking (reasoning_effort) is billed as
 * output on top of the answer, and may take the model's whole output allowance.
 */
function maxOutputTokensOf(request: ChatRequest, deployment: Deployment): number {
  const thinks = request.reasoning_effort !== undefined && request.reasoning_effort !== "none";
  if (thinks) return deployment.model.maxOutputTokens;
  return (request.max_tokens ?? deployment.model.maxOutputTokens) * (request.n ?? 1);
}

function toChatRequest(input: ChatInput): ChatRequest {
  const { modelGroup: _group, model: _model, fallbacks: _fallbacks, native: _native, ...request } = input;
  return request;
}

function chunkText(chunk: ChatCompletionChunk): string {
  const delta = chunk.choices[0]?.delta;
  if (!delta) return "";
  return (
    (delta.reasoning_content ?? "") +
    (delta.content ?? "") +
    (delta.tool_calls ?? [])
      .map((call) => (call.function?.name ?? "") + (call.function?.arguments ?? ""))
      .join("")
  );
}

function completionText(completion: ChatCompletion): string {
  const message = completion.choices[0]?.message;
  return (
    (message?.reasoning_content ?? "") +
    (message?.content ?? "") +
    (message?.tool_calls ?? []).map((call) => call.function.name + call.function.arguments).join("")
  );
}

function completionFrom(
  accumulator: ChatStreamAccumulator,
  id: string,
  deployment: Deployment,
  usage: ChatUsage,
): ChatCompletion {
  const toolCalls = accumulator.toolCalls;
  return {
    id,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: deployment.model.name,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: accumulator.content.length > 0 || toolCalls.length === 0 ? accumulator.content : null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(accumulator.reasoningContent ? { reasoning_content: accumulator.reasoningContent } : {}),
          ...(accumulator.thinkingBlocks.length > 0 ? { thinking_blocks: accumulator.thinkingBlocks } : {}),
        },
        finish_reason: accumulator.finishReason,
      },
    ],
    usage,
  };
}

/**
 * The deployments whose calls are under way, so that a caller who leaves is
 * booked for what was sent (and the call's progress tells who is being waited for).
 */
class CallsUnderWay {
  readonly deployments = new Set<Deployment>();

  constructor(
    private readonly callerSignal: AbortSignal,
    private readonly progress?: CallProgress,
  ) {}

  get abandoned(): boolean {
    return this.callerSignal.aborted && this.deployments.size > 0;
  }

  track<T>(call: DeploymentCall<T>): DeploymentCall<T> {
    return async (deployment, signal, traceHeaders) => {
      this.deployments.add(deployment);
      this.progress?.calling(deployment);
      try {
        return await call(deployment, signal, traceHeaders);
      } catch (error) {
        // A call that failed on its own is not the caller's to pay; one the caller cut short is.
        if (!this.callerSignal.aborted) this.deployments.delete(deployment);
        this.progress?.failed(deployment, error instanceof Error ? error.message : String(error));
        throw error;
      }
    };
  }
}

/**
 * Calls the caller left while a provider worked on them (a non-streamed
 * answer, or a stream before its first token): each provider was sent the
 * prompt and bills for it, so its input is booked, counted here and marked
 * estimated (the output it went on to make is unknown). The first is booked
 * under the request's id, a hedged second one under `<id>-hedge`.
 */
async function bookAbandonedCalls(
  context: ChatContext,
  caller: Caller,
  input: ChatInput,
  request: ChatRequest,
  reservation: BudgetReservation,
  underWay: CallsUnderWay,
  started: number,
): Promise<void> {
  if (!underWay.abandoned) return;
  const [first, ...hedged] = [...underWay.deployments];
  let hedgedCost = 0;
  for (const deployment of hedged) {
    const hedgeCaller = { ...caller, requestId: `${caller.requestId}-hedge` };
    const unsettled = unlimitedReservation(hedgeCaller.requestId);
    hedgedCost += await bookAbandoned(context, hedgeCaller, input, request, unsettled, deployment, started, {
      joins: caller.requestId,
    });
  }
  // One settle for the request's hold: what every abandoned call cost.
  if (first)
    await bookAbandoned(
      context,
      caller,
      input,
      request,
      withExtraCost(reservation, hedgedCost),
      first,
      started,
    );
}

/**
 * One call the caller left while the provider worked on it: its input is
 * booked, counted here and marked estimated.
 */
async function bookAbandoned(
  context: ChatContext,
  caller: Caller,
  input: ChatInput,
  request: ChatRequest,
  reservation: BudgetReservation,
  deployment: Deployment,
  started: number,
  options: { joins?: string } = {},
): Promise<number> {
  const usage = await estimateUsage(context, deployment, request, "");
  return recordUsage(
    context.booker,
    {
      caller,
      modelGroup: input.model ? null : (input.modelGroup ?? "reasoning"),
      deployment,
      tokens: tokenUsageFromChatUsage(usage),
      latencyMs: Math.round(performance.now() - started),
      outcome: "error",
      estimated: true,
      ...options,
    },
    reservation,
  );
}

/**
 * When a provider reports no usage, or only part of it (a cut stream), count
 * it ourselves; the record is marked estimated. Input the provider did report
 * (`reported`) is kept as reported; output is always the delivered text,
 * counted. Booking depends on it, so it never throws: if counting fails,
 * UTF-8 lengths bound the counts (no token is shorter than a byte).
 */
async function estimateUsage(
  context: ChatContext,
  deployment: Deployment,
  request: ChatRequest,
  outputText: string,
  reported?: ChatUsage,
): Promise<ChatUsage> {
  const encoding: EncodingName =
    (deployment.provider.kind === "openai"
      ? TokenCounter.openAiEncodingFor(deployment.model.providerModelId)
      : undefined) ?? "o200k_base";
  let promptTokens: number;
  let completionTokens: number;
  try {
    promptTokens = reported
      ? reported.prompt_tokens
      : (await context.tokenCounter.countMessages(request.messages, encoding)).tokens;
    completionTokens = outputText ? (await context.tokenCounter.countText(outputText, encoding)).tokens : 0;
  } catch (error) {
    context.logger.error(
      { err: error, deployment: deployment.key },
      "usage estimate failed; booking UTF-8 lengths as an upper bound",
    );
    promptTokens = reported?.prompt_tokens ?? Buffer.byteLength(JSON.stringify(request.messages), "utf8");
    completionTokens = Buffer.byteLength(outputText, "utf8");
  }
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    ...(reported?.prompt_tokens_details ? { prompt_tokens_details: reported.prompt_tokens_details } : {}),
  };
}
