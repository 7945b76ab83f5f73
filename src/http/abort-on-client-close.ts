import type { IncomingMessage, ServerResponse } from "node:http";
import { ClientAbortError } from "../core/client-abort-error.js";

/**
 * A signal that aborts when the client goes away before the answer is done,
 * so the upstream request is cancelled at once (and no more tokens are paid for).
 */
export function abortOnClientClose(request: IncomingMessage, response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  const onClose = () => {
    if (!response.writableFinished)
      controller.abort(new ClientAbortError("the client closed the connection"));
  };
  response.once("close", onClose);
  request.once("aborted", onClose);
  return controller.signal;
}
