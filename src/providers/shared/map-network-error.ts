import { UpstreamError } from "../../core/upstream-error.js";

const timeoutCodes = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "ETIMEDOUT",
  "GW_FIRST_BYTE_TIMEOUT",
  "GW_IDLE_TIMEOUT",
]);

/**
 * Turns what undici or the socket threw into an UpstreamError. When the
 * caller's own signal aborted, the abort reason is returned unchanged: the
 * caller left (or its deadline passed), which says nothing about the provider.
 */
export function mapNetworkError(
  provider: string,
  url: string,
  error: unknown,
  signal: AbortSignal,
  options: { awaitingWholeAnswer?: boolean } = {},
): unknown {
  if (error instanceof UpstreamError) return error;
  if (signal.aborted) return signal.reason;
  const code = (error as { code?: string } | null)?.code ?? "";
  const message = (error as Error | null)?.message ?? String(error);
  const isTimeout = timeoutCodes.has(code);
  return new UpstreamError({
    provider,
    kind: isTimeout ? "timeout" : "connection",
    // A non-streamed answer's first byte comes when the whole answer is written: a long
    // generation explains its timeout, and says nothing about the provider's health.
    explainedByRequest:
      isTimeout &&
      code !== "UND_ERR_CONNECT_TIMEOUT" &&
      code !== "GW_IDLE_TIMEOUT" &&
      options.awaitingWholeAnswer === true,
    message: isTimeout
      ? `${provider} did not answer in time (${code}): ${message}`
      : `${provider} could not be reached${code ? ` (${code})` : ""}: ${message}`,
    url,
    cause: error,
  });
}
