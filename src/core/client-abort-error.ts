import { isGatewayError } from "./gateway-error.js";

/**
 * Why a call's signal aborted when its client ended it: it closed its connection or response
 * stream, or cancelled the call. Its request is booked and logged as GW_ERR_CLIENT_CLOSED; a door
 * that meets it has no fault of the gateway's to report.
 */
export class ClientAbortError extends Error {}

/**
 * The GW_ERR_* code a failure carries: the gateway error's own; GW_ERR_CLIENT_CLOSED when its
 * client ended the call (the error is the abort's reason, or, given the call's signal, whatever
 * error the abort surfaced as: a reader's or undici's own); GW_ERR_INTERNAL for anything else.
 */
export function failureCodeOf(error: unknown, signal?: AbortSignal): string {
  if (isGatewayError(error)) return error.code;
  if (error instanceof ClientAbortError || signal?.reason instanceof ClientAbortError)
    return "GW_ERR_CLIENT_CLOSED";
  return "GW_ERR_INTERNAL";
}
