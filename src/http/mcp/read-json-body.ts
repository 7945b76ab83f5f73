import type { IncomingMessage } from "node:http";

export type ReadBody =
  | { kind: "parsed"; value: unknown }
  | { kind: "not_json"; reason: string }
  | { kind: "too_large" };

/**
 * Reads a request body up to `limitBytes` and parses it as JSON. Past the limit the rest is left
 * unread (Node discards it once the answer, a 413, is sent). Listens for `data` rather than
 * iterating the stream: an async iterator per request was a visible share of an MCP call's CPU.
 */
export function readJsonBody(request: IncomingMessage, limitBytes: number): Promise<ReadBody> {
  return new Promise<ReadBody>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) {
        chunks.push(chunk);
        return;
      }
      stop();
      resolve({ kind: "too_large" });
    };
    const onEnd = () => {
      stop();
      const text = chunks.length === 1 ? (chunks[0] as Buffer).toString() : Buffer.concat(chunks).toString();
      try {
        resolve({ kind: "parsed", value: JSON.parse(text) });
      } catch (error) {
        resolve({ kind: "not_json", reason: error instanceof Error ? error.message : String(error) });
      }
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    // Closed before its end (the client went away): the error iterating the stream raised.
    const onClose = () => {
      stop();
      reject(Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" }));
    };
    const stop = () => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("close", onClose);
    };
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
    request.on("close", onClose);
  });
}
