import type { IncomingMessage, ServerResponse } from "node:http";

/** Why a request's signal aborted: its client went away. Not a fault of the gateway's. */
export class ClientClosedError extends Error {
  constructor() {
    super("the client closed the connection");
  }
}

/**
 * A signal that aborts when the client goes away before the answer is done,
 * so the upstream request is cancelled at once (and no more tokens are paid for).
 */
export function abortOnClientClose(request: IncomingMessage, response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  const onClose = () => {
    if (!response.writableFinished) controller.abort(new ClientClosedError());
  };
  response.once("close", onClose);
  request.once("aborted", onClose);
  return controller.signal;
}
