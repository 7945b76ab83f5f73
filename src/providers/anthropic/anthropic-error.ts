import { classifyHttpStatus, UpstreamError } from "../../core/upstream-error.js";
import { type AnthropicErrorBody, anthropicErrorBodySchema } from "./anthropic-api.js";

/**
 * The HTTP status each documented error type comes with
 * (https://docs.claude.com/en/api/errors), so an in-band stream error is
 * classified exactly like the same failure answered as an HTTP status.
 */
const statusByErrorType: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** Reads `{type: "error", error: {type, message}}` into "Overloaded (overloaded_error)". */
export function extractAnthropicErrorMessage(body: unknown): string | undefined {
  const parsed = anthropicErrorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { type, message } = parsed.data.error;
  return message ? `${message} (${type})` : type;
}

/**
 * The `error` event Anthropic sends inside a 200 stream, e.g. `overloaded_error`
 * when capacity runs out mid-answer: the same failure as a 529, so retryable.
 */
export function createAnthropicStreamError(
  provider: string,
  url: string,
  body: AnthropicErrorBody,
): UpstreamError {
  const status = statusByErrorType[body.error.type];
  return new UpstreamError({
    provider,
    kind: status === undefined ? "stream" : classifyHttpStatus(status),
    message: `${provider} stream failed: ${extractAnthropicErrorMessage(body)}`,
    url,
    status,
    body: JSON.stringify(body),
  });
}

/** A request we cannot express in the Messages API; the caller must change it. */
export function createAnthropicRequestError(provider: string, message: string): UpstreamError {
  return new UpstreamError({
    provider,
    kind: "request",
    message: `${provider} cannot take this request: ${message}`,
  });
}
