import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The seam between the gateway and tracing. The HTTP door runs each traced
 * request inside a `RequestTraceScope`; the router asks it for one
 * `AttemptTrace` per provider call and runs the call inside it, so the
 * upstream request carries that attempt's `traceparent`. With tracing off no
 * scope is ever entered: the storages stay disabled and every lookup below is
 * a cheap `undefined`.
 */
export interface RequestTraceScope {
  /** An MCP `tools/call`: names the span, and `params._meta.traceparent` (when given) becomes its parent. */
  mcpToolCall(tool: string, meta: Record<string, unknown> | undefined): void;
  startAttempt(attempt: AttemptStart): AttemptTrace;
}

export interface AttemptStart {
  /** The configured provider name, and its kind (`anthropic`, `openai`, `google`...). */
  provider: string;
  providerKind: string;
  /** The catalog model, and the id sent upstream. */
  model: string;
  providerModelId: string;
  /** 0 for the first call of this deployment, 1 for its first retry... */
  retry: number;
  /** The circuit as this call found it: `half_open` when the call is its trial. */
  circuitState: "closed" | "half_open";
}

export interface AttemptEnd {
  /** As in `Attempt.outcome`, or `aborted` when the caller went away. */
  outcome: string;
  /** UpstreamError kind (`overloaded`, `timeout`...), when the call failed. */
  errorType?: string;
  error?: string;
}

export interface AttemptTrace {
  /** The W3C headers the provider gets: this attempt span's context. */
  readonly headers: Readonly<Record<string, string>>;
  end(result: AttemptEnd): void;
}

const requestScopes = new AsyncLocalStorage<RequestTraceScope>();
const attemptScopes = new AsyncLocalStorage<AttemptTrace>();

export function runInRequestTrace<T>(scope: RequestTraceScope, run: () => T): T {
  return requestScopes.run(scope, run);
}

export function currentRequestTrace(): RequestTraceScope | undefined {
  return requestScopes.getStore();
}

export function runInAttemptTrace<T>(attempt: AttemptTrace | undefined, run: () => T): T {
  return attempt ? attemptScopes.run(attempt, run) : run();
}

/** `traceparent` (and `tracestate`) for the upstream call being made now; undefined when untraced. */
export function currentAttemptTraceHeaders(): Readonly<Record<string, string>> | undefined {
  return attemptScopes.getStore()?.headers;
}
