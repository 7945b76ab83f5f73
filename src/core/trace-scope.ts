/**
 * The seam between the gateway and tracing. The HTTP door gives each traced
 * request's caller a `RequestTraceScope`; the router asks it for one
 * `AttemptTrace` per provider call and hands the call that attempt's headers,
 * so the upstream request carries its `traceparent`. Passed by hand, not in an
 * AsyncLocalStorage: on Node 20 and 22 that turns on async hooks for every
 * promise of the process, which cost more than the spans themselves (issue 21).
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
