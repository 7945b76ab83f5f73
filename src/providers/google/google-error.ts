import { classifyHttpStatus, isUpstreamError, UpstreamError } from "../../core/upstream-error.js";
import {
  extractGoogleErrorMessage,
  type GoogleErrorBody,
  parseGoogleError,
} from "../shared/google-rpc-status.js";

export { extractGoogleErrorMessage, parseGoogleError };

/**
 * Gemini tells a rate-limited caller when to come back in the body
 * (`google.rpc.RetryInfo` `retryDelay: "34.4s"`), usually without a
 * `retry-after` header.
 */
export function googleRetryDelayMs(body: unknown): number | undefined {
  const retryInfo = parseGoogleError(body)?.details?.find((detail) =>
    detail["@type"]?.endsWith("google.rpc.RetryInfo"),
  );
  const match = /^(\d+(?:\.\d+)?)s$/.exec(retryInfo?.retryDelay ?? "");
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

/** Runs an upstream call and adds Gemini's RetryInfo delay to its error when no header gave one. */
export async function withGoogleRetryDelay<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (!isUpstreamError(error) || error.retryAfterMs !== undefined || !error.body) throw error;
    const retryAfterMs = googleRetryDelayMs(safeJsonParse(error.body));
    if (retryAfterMs === undefined) throw error;
    throw new UpstreamError({
      provider: error.provider,
      kind: error.kind,
      message: error.message,
      url: error.url,
      status: error.status,
      headers: error.headers,
      body: error.body,
      cause: error.cause,
      isRetryable: error.isRetryable,
      retryAfterMs,
    });
  }
}

/**
 * An error Gemini sends inside a 200 stream (`data: {"error": {...}}`), e.g.
 * UNAVAILABLE when the model is overloaded mid-answer. Classified by its code
 * as an HTTP error with that status would be.
 */
export function createGoogleStreamError(provider: string, url: string, body: GoogleErrorBody): UpstreamError {
  const status = body.code ?? 500;
  const text = [body.status, body.message].filter(Boolean).join(": ") || "stream error";
  return new UpstreamError({
    provider,
    kind: classifyHttpStatus(status),
    message: `${provider} sent an error in its stream (${status}): ${text}`,
    url,
    status,
    body: JSON.stringify({ error: body }),
    retryAfterMs: googleRetryDelayMs({ error: body }),
  });
}

function safeJsonParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
