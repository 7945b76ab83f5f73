import type { ErrorCode } from "../../core/error-codes.js";
import { type GatewayError, isGatewayError } from "../../core/gateway-error.js";

export interface AnthropicErrorBody {
  type: "error";
  error: { type: string; message: string };
}

export interface RenderedAnthropicError {
  status: number;
  body: AnthropicErrorBody;
  retryAfterSeconds?: number;
}

/**
 * Each gateway error as Anthropic's status and error type
 * (https://docs.claude.com/en/api/errors), so the official SDK raises the
 * matching class and Claude Code retries what Anthropic would let it retry:
 * "every provider failed" is 529 overloaded_error, which clients back off on.
 * A spent budget is 402 billing_error, not 429: it lasts until the period
 * resets (hours), and clients retry a 429 within seconds, so Claude Code
 * would only spin.
 */
const statusByCode: Record<ErrorCode, number> = {
  GW_ERR_INVALID_REQUEST: 400,
  GW_ERR_UNSUPPORTED_PARAMETER: 400,
  GW_ERR_UNKNOWN_MODEL_GROUP: 404,
  GW_ERR_UNKNOWN_MODEL: 404,
  GW_ERR_UNKNOWN_CONVERSATION: 404,
  GW_ERR_UNKNOWN_JOB: 404,
  GW_ERR_UNKNOWN_REQUEST: 404,
  GW_ERR_UNAUTHORIZED: 401,
  GW_ERR_FORBIDDEN_PROJECT: 403,
  GW_ERR_FORBIDDEN_AGENT: 403,
  GW_ERR_FORBIDDEN_HOST: 403,
  GW_ERR_FORBIDDEN_MODEL: 403,
  GW_ERR_ADMIN_ONLY: 403,
  GW_ERR_UNKNOWN_KEY: 404,
  GW_ERR_CONFIG_KEY: 409,
  GW_ERR_BUDGET_EXCEEDED: 402,
  GW_ERR_RATE_LIMITED: 429,
  GW_ERR_UPSTREAM_RATE_LIMITED: 429,
  GW_ERR_NO_PROVIDER_CONFIGURED: 500,
  GW_ERR_ALL_PROVIDERS_FAILED: 529,
  GW_ERR_UPSTREAM_REJECTED_REQUEST: 400,
  GW_ERR_STREAM_INTERRUPTED: 500,
  GW_ERR_DEADLINE_EXCEEDED: 504,
  GW_ERR_NOT_IMPLEMENTED: 400,
  GW_ERR_STORE_UNAVAILABLE: 500,
  GW_ERR_JOB_LOST: 500,
  GW_ERR_INTERNAL: 500,
};

/** Anthropic's error type for each status it uses. */
export function anthropicErrorType(status: number): string {
  const types: Record<number, string> = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
  };
  return types[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

/** Any error in Anthropic's envelope; errors that are not the gateway's own are described generically. */
export function renderAnthropicError(error: unknown): RenderedAnthropicError {
  if (!isGatewayError(error)) {
    return {
      status: 500,
      body: anthropicErrorBody(
        500,
        "The gateway failed unexpectedly; the error was logged with this request's id.",
      ),
    };
  }
  const status = statusOf(error);
  return {
    status,
    // The gateway's code leads the message: Anthropic's envelope has no field for it.
    body: anthropicErrorBody(status, `${error.code}: ${error.message}`),
    ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
  };
}

export function anthropicErrorBody(status: number, message: string): AnthropicErrorBody {
  return { type: "error", error: { type: anthropicErrorType(status), message } };
}

function statusOf(error: GatewayError): number {
  const upstreamStatus = error.details?.upstreamStatus;
  // A request the provider refused keeps the provider's 4xx (413, 422, ...) so clients see the real cause.
  if (
    error.code === "GW_ERR_UPSTREAM_REJECTED_REQUEST" &&
    typeof upstreamStatus === "number" &&
    upstreamStatus < 500
  ) {
    return upstreamStatus;
  }
  return statusByCode[error.code];
}
