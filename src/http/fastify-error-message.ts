import type { FastifyError } from "fastify";

/** Fastify's own body errors (malformed JSON, too large, wrong type) in words a client can act on. */
export function fastifyMessage(error: FastifyError): string {
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE")
    return "The request body is larger than the gateway accepts.";
  if (error.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error.code === "FST_ERR_CTP_EMPTY_JSON_BODY") {
    return `The request body is not valid JSON: ${error.message}`;
  }
  if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return "Send the body as application/json.";
  return error.message;
}
