/**
 * Why a call's signal aborted when its client ended it: it closed its connection or response
 * stream, or cancelled the call. Its request is booked and logged as GW_ERR_CLIENT_CLOSED; a door
 * that meets it has no fault of the gateway's to report.
 */
export class ClientAbortError extends Error {}
