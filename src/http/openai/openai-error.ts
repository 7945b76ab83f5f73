import { type ErrorCode, errorCodes } from "../../core/error-codes.js";
import { isGatewayError } from "../../core/gateway-error.js";

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

export interface RenderedError {
  status: number;
  body: OpenAiErrorBody;
  retryAfterSeconds?: number;
}

/**
 * Any error as OpenAI's envelope with the status the official SDK maps to
 * its error classes. Errors that are not the gateway's own are described
 * generically: they may carry internals.
 */
export function renderOpenAiError(error: unknown): RenderedError {
  if (isGatewayError(error)) {
    const upstreamStatus = error.details?.upstreamStatus;
    // A request the provider refused keeps the provider's 4xx (413, 422, ...) so clients see the real cause.
    const status =
      error.code === "GW_ERR_UPSTREAM_REJECTED_REQUEST" &&
      typeof upstreamStatus === "number" &&
      upstreamStatus < 500
        ? upstreamStatus
        : error.status;
    return {
      status,
      body: {
        error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code },
      },
      ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
    };
  }
  return {
    status: 500,
    body: openAiErrorBody(
      "GW_ERR_INTERNAL",
      "The gateway failed unexpectedly; the error was logged with this request's id.",
    ),
  };
}

export function openAiErrorBody(
  code: ErrorCode,
  message: string,
  param: string | null = null,
): OpenAiErrorBody {
  return { error: { message, type: errorCodes[code].type, param, code } };
}
