import type { EventSourceMessage } from "eventsource-parser";
import { type Dispatcher, request } from "undici";
import { UpstreamError } from "../../core/upstream-error.js";
import { createUpstreamError, type ErrorMessageExtractor } from "./create-upstream-error.js";
import { mapNetworkError } from "./map-network-error.js";
import { parseSse } from "./parse-sse.js";
import { credentialsIn, redactCredentials } from "./redact-credentials.js";

export interface UpstreamRequest {
  provider: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dispatcher: Dispatcher;
  signal: AbortSignal;
  extractErrorMessage: ErrorMessageExtractor;
}

/** POSTs JSON and returns the parsed 2xx body; every failure is an UpstreamError. */
export async function postJson(upstream: UpstreamRequest): Promise<unknown> {
  const wholeAnswer = { awaitingWholeAnswer: true };
  const response = await openUpstream(upstream, wholeAnswer);
  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    throw mapNetworkError(upstream.provider, upstream.url, error, upstream.signal, wholeAnswer);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // A proxy or misrouted URL may answer 200 with a page that repeats the request's key.
    text = redactCredentials(text, credentialsIn(upstream.headers));
    throw new UpstreamError({
      provider: upstream.provider,
      kind: "invalid_response",
      message: `${upstream.provider} answered ${response.statusCode} with a body that is not JSON: ${text.slice(0, 120)}`,
      url: upstream.url,
      status: response.statusCode,
      body: text,
      cause: error,
    });
  }
}

/**
 * POSTs JSON and returns the 2xx answer's server-sent events, with the
 * request's keys redacted from each. Non-2xx answers are read and thrown
 * here, before anything streams.
 */
export async function postForEvents(upstream: UpstreamRequest): Promise<AsyncGenerator<EventSourceMessage>> {
  const response = await openUpstream(upstream);
  return parseSse({
    provider: upstream.provider,
    url: upstream.url,
    body: response.body,
    signal: upstream.signal,
    credentials: credentialsIn(upstream.headers),
  });
}

async function openUpstream(
  upstream: UpstreamRequest,
  timeouts: { awaitingWholeAnswer?: boolean } = {},
): Promise<Dispatcher.ResponseData> {
  let response: Dispatcher.ResponseData;
  try {
    response = await request(upstream.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...upstream.headers },
      body: typeof upstream.body === "string" ? upstream.body : JSON.stringify(upstream.body),
      dispatcher: upstream.dispatcher,
      signal: upstream.signal,
    });
  } catch (error) {
    throw mapNetworkError(upstream.provider, upstream.url, error, upstream.signal, timeouts);
  }
  if (response.statusCode >= 200 && response.statusCode < 300) return response;
  let bodyText = "";
  try {
    bodyText = await response.body.text();
  } catch {
    // The status alone classifies the failure; a lost error body is not worth more.
  }
  throw createUpstreamError(
    {
      provider: upstream.provider,
      url: upstream.url,
      status: response.statusCode,
      headers: flattenHeaders(response.headers),
      bodyText,
      credentials: credentialsIn(upstream.headers),
    },
    upstream.extractErrorMessage,
  );
}

export function flattenHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}
