import type { FastifyRequest } from "fastify";
import { failureCodeOf } from "../core/client-abort-error.js";

/**
 * Records the GW_ERR_* code an answer carries, for the request's one log
 * line. Only an unexpected error (not the gateway's own, or its internal
 * error) is logged here, with its stack: an expected failure such as every
 * provider failing is already a warn line of the request log, and so is a
 * client that went away (GW_ERR_CLIENT_CLOSED), whose abort ends up here.
 */
export function noteFailure(request: FastifyRequest, error: unknown, fallbackCode?: string): void {
  const code = failureCodeOf(error);
  if (code !== "GW_ERR_INTERNAL") {
    request.errorCode = code;
    return;
  }
  if (fallbackCode !== undefined) {
    request.errorCode = fallbackCode;
    return;
  }
  request.errorCode = "GW_ERR_INTERNAL";
  request.log.error({ err: error, requestId: request.id }, "request failed unexpectedly");
}
