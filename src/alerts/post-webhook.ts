import type { Dispatcher } from "undici";
import { request } from "undici";

/** How one POST to a webhook ended. */
export type WebhookOutcome =
  | { delivered: true; status: number }
  | { delivered: false; retryable: boolean; status?: number; retryAfterMs?: number; error: string };

/**
 * One POST of a JSON body. 2xx is delivered; network errors, timeouts, 408, 429 and 5xx are worth
 * another try (`retry-after` read on 429 and 503); any other status is final. The receiver's
 * answer body is read and dropped, never logged: it may echo what it was sent.
 */
export async function postWebhook(
  url: string,
  body: string,
  options: { dispatcher: Dispatcher; timeoutMs: number; userAgent: string; signal: AbortSignal },
): Promise<WebhookOutcome> {
  try {
    const response = await request(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "user-agent": options.userAgent },
      dispatcher: options.dispatcher,
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    const status = response.statusCode;
    if (status >= 200 && status < 300) return { delivered: true, status };
    const retryable = status === 408 || status === 429 || status >= 500;
    const retryAfterMs = parseRetryAfter(response.headers["retry-after"]);
    return {
      delivered: false,
      retryable,
      status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      error: `answered ${status}`,
    };
  } catch (error) {
    return { delivered: false, retryable: true, error: describeError(error) };
  }
}

/** `retry-after` in seconds or as an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(
  header: string | string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The error's code or name, never a URL: undici's messages can quote the webhook's address. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return "request failed";
  const code = (error as { code?: unknown }).code;
  if (
    error.name === "TimeoutError" ||
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT"
  ) {
    return "timed out";
  }
  if (error.name === "AbortError") return "aborted";
  return typeof code === "string" ? code : error.name;
}
