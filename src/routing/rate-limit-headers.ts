/**
 * What a provider's rate-limit headers say is left of a deployment's quota,
 * read from every upstream answer (success and error), so the router can
 * steer traffic away before the provider answers 429.
 *
 * OpenAI (and the OpenAI-compatible providers that copy it): `x-ratelimit-remaining-requests`,
 * `x-ratelimit-remaining-tokens`, `x-ratelimit-reset-requests` / `-tokens` as Go durations
 * ("6m0s", "1s", "20ms"). Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-remaining`
 * and `-reset` as RFC 3339 times. Any 429's `retry-after` (seconds or an HTTP date) or `retry-after-ms`.
 */
export interface RateLimitReading {
  requestsRemaining?: number;
  requestsResetAt?: number;
  tokensRemaining?: number;
  tokensResetAt?: number;
  inputTokensRemaining?: number;
  inputTokensResetAt?: number;
  outputTokensRemaining?: number;
  outputTokensResetAt?: number;
  /** From a 429's `retry-after`: epoch ms before which the deployment should not be called first. */
  retryAt?: number;
}

export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** The reading of one answer's headers, or undefined when it has none of them (most providers' 2xx). */
export function readRateLimitHeaders(
  status: number,
  headers: ResponseHeaders,
  now: number,
): RateLimitReading | undefined {
  let reading: RateLimitReading | undefined;
  const set = <K extends keyof RateLimitReading>(key: K, value: number | undefined) => {
    if (value === undefined) return;
    reading ??= {};
    reading[key] = value;
  };
  const openAiRequests = count(headers["x-ratelimit-remaining-requests"]);
  if (openAiRequests !== undefined) {
    set("requestsRemaining", openAiRequests);
    set("requestsResetAt", afterDuration(headers["x-ratelimit-reset-requests"], now));
  }
  const openAiTokens = count(headers["x-ratelimit-remaining-tokens"]);
  if (openAiTokens !== undefined) {
    set("tokensRemaining", openAiTokens);
    set("tokensResetAt", afterDuration(headers["x-ratelimit-reset-tokens"], now));
  }
  for (const [kind, remaining, resetAt] of anthropicFamilies) {
    const left = count(headers[`anthropic-ratelimit-${kind}-remaining`]);
    if (left === undefined) continue;
    set(remaining, left);
    set(resetAt, atTime(headers[`anthropic-ratelimit-${kind}-reset`]));
  }
  if (status === 429) set("retryAt", retryAt(headers, now));
  return reading;
}

const anthropicFamilies = [
  ["requests", "requestsRemaining", "requestsResetAt"],
  ["tokens", "tokensRemaining", "tokensResetAt"],
  ["input-tokens", "inputTokensRemaining", "inputTokensResetAt"],
  ["output-tokens", "outputTokensRemaining", "outputTokensResetAt"],
] as const;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A whole number of requests or tokens; Azure's `-1` (no limit reported) and garbage are unknown. */
function count(value: string | string[] | undefined): number | undefined {
  const text = single(value);
  if (text === undefined || text === "") return undefined;
  const number = Number(text);
  return Number.isFinite(number) && number >= 0 ? number : undefined;
}

const durationPart = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** OpenAI's Go-style durations: "6m0s", "1s", "20ms", "1h2m3.5s"; a bare number is seconds. */
export function parseDurationMs(value: string): number | undefined {
  const text = value.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1_000;
  let total = 0;
  let consumed = 0;
  for (const match of text.matchAll(durationPart)) {
    total += Number(match[1]) * (unitMs[match[2] as string] as number);
    consumed += match[0].length;
  }
  return consumed === text.length ? total : undefined;
}

function afterDuration(value: string | string[] | undefined, now: number): number | undefined {
  const text = single(value);
  const ms = text === undefined ? undefined : parseDurationMs(text);
  return ms === undefined ? undefined : now + ms;
}

function atTime(value: string | string[] | undefined): number | undefined {
  const text = single(value);
  if (text === undefined) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}

function retryAt(headers: ResponseHeaders, now: number): number | undefined {
  const ms = Number(single(headers["retry-after-ms"]));
  if (Number.isFinite(ms) && ms > 0) return now + ms;
  const text = single(headers["retry-after"]);
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (Number.isFinite(seconds) && seconds >= 0) return now + seconds * 1_000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}
