import { z } from "zod";
import { classifyHttpStatus, UpstreamError, type UpstreamErrorKind } from "../../core/upstream-error.js";

/**
 * OpenAI's error envelope `{error: {message, type, param, code}}` (we read
 * all but `param`), which DeepSeek copies. OpenAI-compatible servers vary:
 * some send `{error: "text"}` or vLLM's older top-level
 * `{object: "error", message, type, code: 400}`.
 */
const openAiErrorSchema = z.union([
  z.object({
    error: z.object({
      message: z.string().nullish(),
      type: z.string().nullish(),
      code: z.union([z.string(), z.number()]).nullish(),
    }),
  }),
  z.object({ error: z.string() }),
  z.object({
    object: z.literal("error"),
    message: z.string(),
    type: z.string().nullish(),
    code: z.union([z.string(), z.number()]).nullish(),
  }),
]);

export interface OpenAiErrorDetail {
  message: string | undefined;
  type: string | undefined;
  code: string | number | undefined;
}

export function parseOpenAiError(body: unknown): OpenAiErrorDetail | undefined {
  // Every streamed chunk is asked; a failed zod union costs microseconds per chunk, this check nothing.
  if (!mayBeErrorEnvelope(body)) return undefined;
  const parsed = openAiErrorSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const envelope = parsed.data;
  if ("error" in envelope) {
    if (typeof envelope.error === "string")
      return { message: envelope.error, type: undefined, code: undefined };
    return {
      message: envelope.error.message ?? undefined,
      type: envelope.error.type ?? undefined,
      code: envelope.error.code ?? undefined,
    };
  }
  return { message: envelope.message, type: envelope.type ?? undefined, code: envelope.code ?? undefined };
}

function mayBeErrorEnvelope(body: unknown): boolean {
  if (typeof body !== "object" || body === null) return false;
  return "error" in body || (body as { object?: unknown }).object === "error";
}

/** "Rate limit reached for gpt-4.1 (rate_limit_exceeded)", for `createUpstreamError`. */
export function extractOpenAiErrorMessage(body: unknown): string | undefined {
  const error = parseOpenAiError(body);
  return error ? describeOpenAiError(error) : undefined;
}

function describeOpenAiError(error: OpenAiErrorDetail): string | undefined {
  const label = typeof error.code === "string" ? error.code : error.type;
  const text = error.message ? redactApiKeys(error.message) : undefined;
  if (!text) return label;
  return label && !text.includes(label) ? `${text} (${label})` : text;
}

/**
 * OpenAI echoes a masked key in 401 messages ("Incorrect API key provided:
 * sk-proj-****iMcA"); even masked, a key fragment has no place in our errors.
 */
export function redactApiKeys(text: string): string {
  return text.replace(/\bsk-[\w*-]+/g, "sk-***");
}

/**
 * An error sent inside a 200 stream, `data: {"error": {...}}`, which OpenAI
 * emits when generation fails after the headers went out (type
 * `server_error`). Classified from its type/code as the HTTP error would be.
 */
export function createOpenAiStreamError(
  provider: string,
  url: string,
  error: OpenAiErrorDetail,
  body: string,
): UpstreamError {
  return new UpstreamError({
    provider,
    kind: classifyStreamError(error),
    message: `${provider} sent an error in its stream: ${describeOpenAiError(error) ?? "unknown error"}`,
    url,
    body,
  });
}

function classifyStreamError(error: OpenAiErrorDetail): UpstreamErrorKind {
  if (typeof error.code === "number") return classifyHttpStatus(error.code);
  const labels = [error.type, error.code].filter((label): label is string => typeof label === "string");
  if (labels.some((label) => /rate_limit|^requests$|^tokens$/.test(label))) return "rate_limited";
  if (labels.some((label) => /overloaded/.test(label))) return "overloaded";
  if (labels.some((label) => /invalid_request|context_length/.test(label))) return "request";
  if (labels.some((label) => /server_error|api_error/.test(label))) return "server";
  return "stream";
}
