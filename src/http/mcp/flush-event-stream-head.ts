import type { ServerResponse } from "node:http";

/**
 * Makes an SSE response send its status and headers the moment they are
 * written, instead of with the first event: Node holds them until the body's
 * first write, and clients give up on a response that has not started
 * (Claude Code after 60 s), however many events would have followed.
 */
export function flushEventStreamHead(response: ServerResponse): void {
  const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => ServerResponse;
  response.writeHead = ((...args: unknown[]) => {
    const written = writeHead(...args);
    if (isEventStream(args)) response.flushHeaders();
    return written;
  }) as ServerResponse["writeHead"];
}

function isEventStream(writeHeadArgs: unknown[]): boolean {
  const headers = writeHeadArgs.find((arg) => typeof arg === "object" && arg !== null) as
    | Record<string, unknown>
    | undefined;
  const contentType = headers?.["content-type"] ?? headers?.["Content-Type"];
  return typeof contentType === "string" && contentType.startsWith("text/event-stream");
}
