import type { EventSourceMessage } from "eventsource-parser";
import type { ProviderCallOptions } from "../../core/provider-adapter.js";
import { UpstreamError } from "../../core/upstream-error.js";
import type { UpstreamDispatcher } from "./create-upstream-dispatcher.js";
import { createUpstreamError, type ErrorMessageExtractor } from "./create-upstream-error.js";
import type { UpstreamResponse } from "./dispatch-upstream.js";
import { mapNetworkError } from "./map-network-error.js";
import { parseSse } from "./parse-sse.js";
import { credentialsIn, redactCredentials } from "./redact-credentials.js";
import { UpstreamDeadlines } from "./upstream-deadlines.js";
import { Utf8ChunkDecoder } from "./utf8-chunk-decoder.js";

export interface UpstreamRequest {
  provider: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dispatcher: UpstreamDispatcher;
  signal: AbortSignal;
  extractErrorMessage: ErrorMessageExtractor;
  /** The caller's `ProviderCallOptions.onResponseHeaders`: told every answer's status and headers. */
  onResponseHeaders?: ProviderCallOptions["onResponseHeaders"];
  /** The caller's `ProviderCallOptions.traceHeaders`: the attempt span's W3C context. */
  traceHeaders?: ProviderCallOptions["traceHeaders"];
}

/** The parts of a provider call's options that every upstream request carries: its cancellation, its answer's headers, its trace. */
export function forwardedCallOptions(
  options: ProviderCallOptions,
): Pick<UpstreamRequest, "signal" | "onResponseHeaders" | "traceHeaders"> {
  return {
    signal: options.signal,
    onResponseHeaders: options.onResponseHeaders,
    traceHeaders: options.traceHeaders,
  };
}

/** POSTs JSON and returns the parsed 2xx body; every failure is an UpstreamError. */
export async function postJson(upstream: UpstreamRequest): Promise<unknown> {
  const wholeAnswer = { awaitingWholeAnswer: true };
  const { body, statusCode, deadlines } = await openUpstream(upstream, wholeAnswer);
  let text = "";
  try {
    const decoder = new Utf8ChunkDecoder();
    for await (const chunk of deadlines.watch(body)) {
      text += decoder.write(chunk);
    }
    text += decoder.end();
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
      message: `${upstream.provider} answered ${statusCode} with a body that is not JSON: ${text.slice(0, 120)}`,
      url: upstream.url,
      status: statusCode,
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
  const { body, deadlines } = await openUpstream(upstream);
  return parseSse({
    provider: upstream.provider,
    url: upstream.url,
    body: deadlines.watch(body),
    signal: upstream.signal,
    credentials: credentialsIn(upstream.headers),
  });
}

/**
 * POSTs and returns the 2xx answer's body bytes as they arrive (AWS's binary
 * event streams), socket failures mid-body mapped to UpstreamErrors. Non-2xx
 * answers are read and thrown here, before anything streams.
 */
export async function postForBytes(upstream: UpstreamRequest): Promise<AsyncGenerator<Uint8Array>> {
  const { body, deadlines } = await openUpstream(upstream);
  return mapBodyFailures(upstream, deadlines.watch(body));
}

async function* mapBodyFailures(
  upstream: UpstreamRequest,
  body: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  try {
    yield* body;
  } catch (error) {
    throw mapNetworkError(upstream.provider, upstream.url, error, upstream.signal);
  }
}

async function openUpstream(
  upstream: UpstreamRequest,
  timeouts: { awaitingWholeAnswer?: boolean } = {},
): Promise<{ body: AsyncIterable<Uint8Array>; statusCode: number; deadlines: UpstreamDeadlines }> {
  // undici and the pool are loaded at the provider's first call (start-up loads neither), before its
  // deadlines start: they time the provider, not our loading.
  const { agent, undici } = upstream.dispatcher.loaded ?? (await upstream.dispatcher.load());
  const deadlines = new UpstreamDeadlines(upstream.signal, upstream.dispatcher.timeouts);
  let response: UpstreamResponse;
  try {
    deadlines.awaitFirstByte(timeouts.awaitingWholeAnswer === true);
    response = await undici.dispatchUpstream({
      url: upstream.url,
      // The attempt span's W3C context, when traced: the provider's own traces join the caller's.
      headers: { "content-type": "application/json", ...upstream.traceHeaders, ...upstream.headers },
      body: typeof upstream.body === "string" ? upstream.body : JSON.stringify(upstream.body),
      dispatcher: agent,
      signal: deadlines.signal,
    });
  } catch (error) {
    throw mapNetworkError(
      upstream.provider,
      upstream.url,
      deadlines.expired ?? error,
      upstream.signal,
      timeouts,
    );
  } finally {
    deadlines.pause();
  }
  upstream.onResponseHeaders?.(response.statusCode, response.headers);
  if (response.statusCode >= 200 && response.statusCode < 300) {
    return { body: response.body, statusCode: response.statusCode, deadlines };
  }
  let bodyText = "";
  try {
    const decoder = new TextDecoder();
    for await (const chunk of deadlines.watch<Uint8Array>(response.body)) {
      bodyText += decoder.decode(chunk, { stream: true });
    }
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
