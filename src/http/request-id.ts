import type { IncomingMessage } from "node:http";
import { timeOrderedUuid } from "../core/time-ordered-id.js";

const safeRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The gateway's id of one HTTP request: always fresh, never the client's
 * `x-request-id`, because it is also the usage record's id and a reused
 * client id must not dedupe two real bookings. It is the `x-request-id`
 * response header, the `requestId` of the request's log line, and the suffix
 * of a non-streamed body's `id`. Time-ordered (UUID v7), so the rows it keys append.
 */
export function requestIdFor(): string {
  return timeOrderedUuid();
}

/**
 * The caller's own `x-request-id`, when it is a safe token (it is echoed in
 * `x-client-request-id` and logged beside the gateway's id, so nothing that
 * could inject either); undefined otherwise.
 */
export function clientRequestIdOf(request: IncomingMessage): string | undefined {
  const given = request.headers["x-request-id"];
  return typeof given === "string" && safeRequestId.test(given) ? given : undefined;
}
