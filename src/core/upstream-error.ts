/**
 * Why an upstream call failed, as the router needs to know it:
 * - `request`: the caller's request is at fault (400-class); the next model would fail the same way.
 * - `misconfigured`: 401/402/403/404, this deployment's key, credit, model id or URL is wrong; fail over, log loudly.
 * - `rate_limited`, `overloaded`, `server`: the provider is unwell (429, 529, 5xx, 408, 409).
 * - `timeout`, `connection`: the network or the provider did not answer in time.
 * - `stream`: a stream broke or sent an in-band error.
 * - `invalid_response`: the provider answered something we cannot parse.
 * - `schema_mismatch`: the answer is not the JSON the request's schema asks for (a model may do better on a retry).
 */
export type UpstreamErrorKind =
  | "request"
  | "misconfigured"
  | "rate_limited"
  | "overloaded"
  | "server"
  | "timeout"
  | "connection"
  | "stream"
  | "invalid_response"
  | "schema_mismatch";

export interface UpstreamErrorOptions {
  provider: string;
  kind: UpstreamErrorKind;
  message: string;
  url?: string;
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  cause?: unknown;
  /** Defaults from `kind`: everything but `request` fails over. */
  isRetryable?: boolean;
  /** From `retry-after` / `retry-after-ms`, already converted. */
  retryAfterMs?: number;
  /**
   * The failure is explained by the request itself (a long non-streamed
   * generation outlasting the first-byte timeout), not by the provider's
   * health: it fails over, but never counts against the deployment's circuit.
   */
  explainedByRequest?: boolean;
}

/**
 * One upstream error class for every provider (vercel/ai APICallError): the
 * router reads `isRetryable` and `kind`, and never parses messages.
 */
export class UpstreamError extends Error {
  override readonly name = "UpstreamError";
  readonly provider: string;
  readonly kind: UpstreamErrorKind;
  readonly url: string | undefined;
  readonly status: number | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly body: string | undefined;
  readonly isRetryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly explainedByRequest: boolean;

  constructor(options: UpstreamErrorOptions) {
    super(options.message, { cause: options.cause });
    this.provider = options.provider;
    this.kind = options.kind;
    this.url = options.url;
    this.status = options.status;
    this.headers = options.headers;
    this.body = options.body;
    this.isRetryable = options.isRetryable ?? options.kind !== "request";
    this.retryAfterMs = options.retryAfterMs;
    this.explainedByRequest = options.explainedByRequest === true;
  }

  /**
   * Whether this failure says the deployment is unwell (counts against its
   * circuit). A JSON answer off its schema is the model's miss on one
   * request, not an outage: it is retried and failed over, but opens no circuit.
   */
  get isDeploymentFailure(): boolean {
    return this.kind !== "request" && this.kind !== "schema_mismatch" && !this.explainedByRequest;
  }
}

export function isUpstreamError(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError;
}

/** Maps an HTTP status to the failover classification of DESIGN.md. */
export function classifyHttpStatus(status: number): UpstreamErrorKind {
  // 402: the account behind this key is out of credit, a deployment problem like a bad key.
  if (status === 401 || status === 402 || status === 403 || status === 404) return "misconfigured";
  if (status === 429) return "rate_limited";
  if (status === 529 || status === 503) return "overloaded";
  if (status === 408 || status === 409 || status >= 500) return "server";
  return "request";
}
