import { classifyHttpStatus, UpstreamError } from "../../core/upstream-error.js";
import { redactCredentials } from "./redact-credentials.js";

export interface ErrorResponse {
  provider: string;
  url: string;
  status: number;
  headers: Record<string, string>;
  bodyText: string;
  /** The keys the request sent (`credentialsIn`): removed from the body before anything reads it. */
  credentials?: readonly string[];
}

/**
 * Reads a provider's error envelope into a message. Returns undefined when
 * the body is not the provider's envelope; the handler then falls back.
 */
export type ErrorMessageExtractor = (body: unknown) => string | undefined;

/**
 * Builds the UpstreamError for a non-2xx answer. Never throws: an empty or
 * unparsable body falls back to the status line. The request's keys are
 * redacted from the body before it is parsed or cut, so no part of one
 * reaches the message, the kept body or a log line.
 */
export function createUpstreamError(
  response: ErrorResponse,
  extractMessage: ErrorMessageExtractor,
): UpstreamError {
  const kind = classifyHttpStatus(response.status);
  const bodyText = redactCredentials(response.bodyText, response.credentials ?? []);
  let detail: string | undefined;
  try {
    detail = extractMessage(JSON.parse(bodyText));
  } catch {
    detail = undefined;
  }
  const text = detail ?? (bodyText.trim().slice(0, 200) || statusText(response.status));
  return new UpstreamError({
    provider: response.provider,
    kind,
    message: `${response.provider} answered ${response.status}: ${text}`,
    url: response.url,
    status: response.status,
    headers: response.headers,
    body: bodyText,
    retryAfterMs: parseRetryAfter(response.headers),
  });
}

/** `retry-after-ms` (OpenAI) wins over `retry-after` (seconds or an HTTP date). */
export function parseRetryAfter(
  headers: Record<string, string>,
  now: number = Date.now(),
): number | undefined {
  const ms = headers["retry-after-ms"];
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  const value = headers["retry-after"]?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    409: "Conflict",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    529: "Overloaded",
  };
  return texts[status] ?? `HTTP ${status}`;
}
