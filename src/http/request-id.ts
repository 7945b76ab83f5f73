import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

const safeRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Takes the caller's `x-request-id` when it is a safe token (it is echoed in
 * a header and written to logs, so nothing that could inject either), else a
 * fresh UUID.
 */
export function requestIdFor(request: IncomingMessage): string {
  const given = request.headers["x-request-id"];
  return typeof given === "string" && safeRequestId.test(given) ? given : randomUUID();
}
