import type { Logger } from "pino";
import { GatewayError } from "../core/gateway-error.js";
import type { AttemptEnd, RequestTraceScope } from "../core/trace-scope.js";
import { isUpstreamError, UpstreamError } from "../core/upstream-error.js";
import { type Attempt, describeAttempts } from "./attempt.js";
import type { CircuitBreaker, CircuitPermit } from "./circuit-breaker.js";
import type { DeploymentLoad } from "./deployment-load.js";
import { type Deployment, isAvailable } from "./deployments.js";

export interface RetrySettings {
  /** Retries on the same deployment after a retryable failure (DESIGN.md default 1). */
  maxRetries: number;
  /** A `retry-after` longer than this fails over instead of waiting. */
  retryAfterCapMs: number;
  /** Backoff base; the n-th retry waits about base x 2^n, jittered. */
  baseDelayMs: number;
}

export interface RouteOptions {
  /** The caller's signal: aborting it stops everything and is not a provider failure. */
  signal: AbortSignal;
  /** Epoch ms by which the whole request must be done. */
  deadlineAt: number;
  /**
   * Hand the winning permit to the caller instead of settling it as a success:
   * a stream settles it when it ends, so a stream cut mid-way counts against
   * the deployment.
   */
  deferSettle?: boolean;
  /**
   * Why a deployment cannot honour this request (a parameter its provider
   * does not support), or undefined: such a deployment is skipped, uncalled,
   * with the reason in `attempts`.
   */
  unsupportedBy?: (deployment: Deployment) => string | undefined;
  /** The request's trace, when traced: each attempt is a span, its headers handed to the call. */
  trace?: RequestTraceScope;
}

export interface Routed<T> {
  value: T;
  deployment: Deployment;
  attempts: Attempt[];
  /** Present with `deferSettle`: settle exactly once. */
  permit?: CircuitPermit;
}

export type DeploymentCall<T> = (
  deployment: Deployment & { adapter: NonNullable<Deployment["adapter"]> },
  signal: AbortSignal,
  /** The attempt span's `traceparent` (and `tracestate`) for the upstream request; undefined when untraced. */
  traceHeaders?: Readonly<Record<string, string>>,
) => Promise<T>;

/**
 * Retry on the same deployment only when waiting can help. Not after a
 * timeout: a provider that did not answer in time is failed over at once, so
 * a hung primary costs one first-byte timeout, not two.
 */
const retryableOnSameDeployment = new Set([
  "rate_limited",
  "overloaded",
  "server",
  "connection",
  "stream",
  "schema_mismatch",
]);

/**
 * Tries deployments in order (DESIGN.md "Failover, retries, circuit
 * breaker"): skips open circuits without calling them, retries retryable
 * failures on the same deployment with jittered backoff honouring
 * `retry-after` up to a cap, fails over on retryable and misconfiguration
 * errors, and returns the caller's own request errors at once.
 */
export class FailoverRouter {
  constructor(
    private readonly circuits: CircuitBreaker,
    private readonly retry: RetrySettings,
    private readonly logger: Logger,
    private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void> = abortableSleep,
    private readonly random: () => number = Math.random,
  ) {}

  async route<T>(targets: Deployment[], call: DeploymentCall<T>, options: RouteOptions): Promise<Routed<T>> {
    const attempts: Attempt[] = [];
    /** Each called deployment's last failure: all rate limits make the answer a 429, not a 502. */
    const lastFailures = new Map<string, UpstreamError>();
    // One controller for the whole request, every attempt included: the caller's abort or the deadline fires it.
    const controller = new AbortController();
    const { signal } = controller;
    let deadlinePassed = false;
    const timer = setTimeout(
      () => {
        deadlinePassed = true;
        controller.abort(new Error("the request deadline passed"));
      },
      Math.max(0, options.deadlineAt - Date.now()),
    );
    const onCallerAbort = () => controller.abort(options.signal.reason);
    if (options.signal.aborted) onCallerAbort();
    else options.signal.addEventListener("abort", onCallerAbort, { once: true });
    try {
      for (const deployment of targets.filter(isAvailable)) {
        const unsupported = options.unsupportedBy?.(deployment);
        if (unsupported !== undefined) {
          attempts.push(attemptOf(deployment, "skipped_unsupported", 0, unsupported));
          continue;
        }
        for (let retry = 0; retry <= this.retry.maxRetries; retry++) {
          const permit = await this.circuits.tryAcquire(deployment.key);
          if (!permit) {
            attempts.push(attemptOf(deployment, "skipped_circuit_open", 0, "circuit open"));
            break;
          }
          const started = performance.now();
          const traced = attempts.length;
          const attemptTrace = options.trace?.startAttempt({
            provider: deployment.provider.name,
            providerKind: deployment.provider.kind,
            model: deployment.model.name,
            providerModelId: deployment.model.providerModelId,
            retry,
            circuitState: permit.isTrial ? "half_open" : "closed",
          });
          let failure: unknown;
          // Counted for `least_busy` and the deployments' listing; a deferred stream stays counted until settled.
          const { load } = deployment;
          load.inFlight++;
          let stillInFlight = false;
          try {
            const value = await call(deployment, signal, attemptTrace?.headers);
            attempts.push(attemptOf(deployment, "success", performance.now() - started));
            load.served++;
            if (!options.deferSettle) {
              permit.success();
              return { value, deployment, attempts };
            }
            stillInFlight = true;
            return { value, deployment, attempts, permit: countedUntilSettled(permit, load) };
          } catch (error) {
            failure = error;
            const latency = performance.now() - started;
            if (options.signal.aborted) {
              permit.release();
              throw options.signal.reason;
            }
            if (deadlinePassed) {
              // The deadline is this request's own budget of time, not a sign of the provider's health.
              permit.release();
              attempts.push(attemptOf(deployment, "failed", latency, "request deadline passed"));
              throw deadlineExceeded(attempts);
            }
            const upstream = asUpstreamError(error, deployment);
            if (!upstream.isRetryable) {
              permit.release();
              attempts.push(attemptOf(deployment, "rejected", latency, upstream.message));
              throw new GatewayError(
                "GW_ERR_UPSTREAM_REJECTED_REQUEST",
                `${upstream.message}. The request itself was refused, so no other model was tried.`,
                { details: { attempts, upstreamStatus: upstream.status }, cause: upstream },
              );
            }
            let openedCircuit = Promise.resolve(false);
            if (upstream.isDeploymentFailure) openedCircuit = permit.failure(upstream.message);
            else permit.release();
            attempts.push(attemptOf(deployment, "failed", latency, upstream.message));
            lastFailures.set(deployment.key, upstream);
            this.logFailure(deployment, upstream);
            const delay = this.retryDelay(upstream, retry, options.deadlineAt);
            if (delay === undefined) break;
            // This failure opened the circuit: the retry would only find it open after its backoff.
            if (await openedCircuit) break;
            await this.sleep(delay, signal).catch(() => undefined);
            if (options.signal.aborted) throw options.signal.reason;
            if (deadlinePassed) throw deadlineExceeded(attempts);
          } finally {
            if (!stillInFlight) load.inFlight--;
            attemptTrace?.end(attemptEnd(attempts[traced], failure));
          }
        }
      }
    } finally {
      clearTimeout(timer);
      // A deferred stream keeps reading with the signal after routing: the caller's abort must still reach it.
      if (!options.deferSettle) options.signal.removeEventListener("abort", onCallerAbort);
    }
    throw allFailed(attempts, [...lastFailures.values()]);
  }

  /** Milliseconds to wait before retrying the same deployment, or undefined to fail over now. */
  private retryDelay(error: UpstreamError, retry: number, deadlineAt: number): number | undefined {
    if (retry >= this.retry.maxRetries || !retryableOnSameDeployment.has(error.kind)) return undefined;
    // The same request would take as long again.
    if (error.explainedByRequest) return undefined;
    let delay: number;
    if (error.retryAfterMs !== undefined) {
      if (error.retryAfterMs > this.retry.retryAfterCapMs) return undefined;
      delay = error.retryAfterMs;
    } else {
      const ceiling = this.retry.baseDelayMs * 2 ** retry;
      delay = ceiling / 2 + this.random() * (ceiling / 2);
    }
    return Date.now() + delay < deadlineAt ? delay : undefined;
  }

  private logFailure(deployment: Deployment, error: UpstreamError): void {
    const fields = { deployment: deployment.key, kind: error.kind, status: error.status };
    if (error.kind === "misconfigured") {
      this.logger.error(
        fields,
        `Deployment ${deployment.key} looks misconfigured (${error.message}): check its API key, model id and base URL. Failing over.`,
      );
    } else {
      this.logger.warn(fields, `Deployment ${deployment.key} failed: ${error.message}`);
    }
  }
}

/**
 * When every deployment that was called ended on a rate limit, the caller is
 * rate limited too (a 429 it can back off on), told to wait the shortest
 * `retry-after` any provider gave; anything else is a 502.
 */
function allFailed(attempts: Attempt[], lastFailures: UpstreamError[]): GatewayError {
  const rateLimited = lastFailures.length > 0 && lastFailures.every((error) => error.kind === "rate_limited");
  if (rateLimited) {
    const waits = lastFailures.flatMap((error) =>
      error.retryAfterMs === undefined ? [] : [error.retryAfterMs],
    );
    const retryAfterSeconds =
      waits.length > 0 ? Math.max(1, Math.ceil(Math.min(...waits) / 1_000)) : undefined;
    return new GatewayError(
      "GW_ERR_UPSTREAM_RATE_LIMITED",
      `Every provider rate-limited this request. ${describeAttempts(attempts)}. Retry ${
        retryAfterSeconds === undefined ? "shortly" : `in ${retryAfterSeconds} s`
      }, or pick another model_group.`,
      { details: { attempts }, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) },
    );
  }
  return new GatewayError(
    "GW_ERR_ALL_PROVIDERS_FAILED",
    `Every provider failed. ${describeAttempts(attempts)}. Retry later, or pick another model_group.`,
    { details: { attempts } },
  );
}

function deadlineExceeded(attempts: Attempt[]): GatewayError {
  return new GatewayError(
    "GW_ERR_DEADLINE_EXCEEDED",
    `The request deadline passed before any provider answered. Attempts: ${describeAttempts(attempts)}`,
    { details: { attempts } },
  );
}

function attemptOf(
  deployment: Deployment,
  outcome: Attempt["outcome"],
  latencyMs: number,
  error?: string,
): Attempt {
  return {
    provider: deployment.provider.name,
    model: deployment.model.name,
    outcome,
    ...(error ? { error } : {}),
    latency_ms: Math.round(latencyMs * 10) / 10,
  };
}

/** An adapter bug (a TypeError, say) is still this deployment's failure: fail over, never crash. */
function asUpstreamError(error: unknown, deployment: Deployment): UpstreamError {
  if (isUpstreamError(error)) return error;
  return new UpstreamError({
    provider: deployment.provider.name,
    kind: "invalid_response",
    message: `${deployment.provider.name} adapter failed unexpectedly: ${(error as Error)?.message ?? String(error)}`,
    cause: error,
  });
}

/** The permit a deferred stream settles when it ends: its deployment's call is under way until then. */
function countedUntilSettled(permit: CircuitPermit, load: DeploymentLoad): CircuitPermit {
  let settled = false;
  const done = () => {
    if (!settled) load.inFlight--;
    settled = true;
  };
  return {
    isTrial: permit.isTrial,
    success: () => {
      done();
      permit.success();
    },
    failure: (reason) => {
      done();
      return permit.failure(reason);
    },
    release: () => {
      done();
      permit.release();
    },
  };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** How a traced attempt ended: its entry in `attempts` (none when the caller went away). */
function attemptEnd(attempt: Attempt | undefined, failure: unknown): AttemptEnd {
  const errorType = isUpstreamError(failure) ? failure.kind : failure === undefined ? undefined : "aborted";
  return {
    outcome: attempt?.outcome ?? "aborted",
    ...(errorType !== undefined ? { errorType } : {}),
    ...(attempt?.error !== undefined ? { error: attempt.error } : {}),
  };
}
