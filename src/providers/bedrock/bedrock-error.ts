import { classifyHttpStatus, UpstreamError } from "../../core/upstream-error.js";
import { bedrockErrorBodySchema } from "./bedrock-api.js";

/**
 * The HTTP status each ConverseStream exception comes with when Converse
 * answers it as a status (docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html#API_runtime_ConverseStream_Errors),
 * so an exception inside a 200 stream is classified like the same failure before it.
 */
const statusByExceptionType: Record<string, number> = {
  internalServerException: 500,
  modelStreamErrorException: 424,
  validationException: 400,
  throttlingException: 429,
  serviceUnavailableException: 503,
};

/** Reads `{message}` (or `{Message}`) from a Bedrock error body. */
export function extractBedrockErrorMessage(body: unknown): string | undefined {
  const parsed = bedrockErrorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  return parsed.data.message ?? parsed.data.Message ?? undefined;
}

/**
 * `x-amzn-ErrorType` (`ThrottlingException:http://internal.amazon.com/...`)
 * named in the message. A 424 ModelErrorException is the model failing on
 * Bedrock's side, not the caller's request: it fails over, as a 5xx does.
 */
export function withBedrockErrorType(error: UpstreamError): UpstreamError {
  const type = error.headers?.["x-amzn-errortype"]?.split(":")[0];
  const modelFailure = error.status === 424;
  if (!type && !modelFailure) return error;
  return new UpstreamError({
    provider: error.provider,
    kind: modelFailure ? "server" : error.kind,
    message: type ? `${error.message} (${type})` : error.message,
    url: error.url,
    status: error.status,
    headers: error.headers,
    body: error.body,
    cause: error.cause,
    retryAfterMs: error.retryAfterMs,
  });
}

/** An `exception` message inside a ConverseStream: classified by the status its type carries. */
export function createBedrockStreamError(
  provider: string,
  url: string,
  exceptionType: string,
  body: string,
): UpstreamError {
  const status = statusByExceptionType[exceptionType];
  let detail: string | undefined;
  try {
    detail = extractBedrockErrorMessage(JSON.parse(body));
  } catch {
    detail = undefined;
  }
  return new UpstreamError({
    provider,
    kind: status === undefined || status === 424 ? "stream" : classifyHttpStatus(status),
    message: `${provider} stream failed: ${detail ?? exceptionType} (${exceptionType})`,
    url,
    status,
    body,
  });
}

/** A request we cannot express in Converse; the caller must change it. */
export function createBedrockRequestError(provider: string, message: string): UpstreamError {
  return new UpstreamError({
    provider,
    kind: "request",
    message: `${provider} cannot take this request: ${message}`,
  });
}
