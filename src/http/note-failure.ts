import type { FastifyRequest } from "fastify";
import { isGatewayError } from "../core/gateway-error.js";

/**
 * Records the GW_ERR_* code an answer carries, for the request's one log
 * line. Only an unexpected error (not the gateway's own, or its internal
 * error) is logged here, with its stack: an expected failure such as every
 * provider failing is already a warn line of the request log.
 */
export function noteFailure(request: FastifyRequest, error: unknown, fallbackCode?: string): void {
  if (isGatewayError(error) && error.code !== "GW_ERR_INTERNAL") {
    request.errorCode = error.code;
    return;
  }
  if (fallbackCode !== undefined) {
    request.errorCode = fallbackCode;
    return;
  }
  request.errorCode = "GW_ERR_INTERNAL";
  request.log.error({ err: error, requestId: request.id }, "request failed unexpectedly");
}
