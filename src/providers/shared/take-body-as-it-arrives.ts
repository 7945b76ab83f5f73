import type { Readable } from "node:stream";

/** Chunks held before the body is paused: far above any provider's event, far below memory concerns. */
const defaultHighWaterBytes = 1 << 20;

/**
 * An upstream body read from the moment its headers arrive, its chunks queued here until asked for.
 *
 * undici destroys a response body whose socket closes before the body ends (a provider cutting
 * its stream), and the async iterator of a destroyed Node stream skips the chunks the stream still
 * held. A reader 20 ms behind the socket lost every event a cut stream had delivered, in 30 of 30
 * runs on Node 20, 22 and 24, so a partial answer read as a connection failure: retried, failed
 * over, its spend not booked. Taking each chunk out on 'data' keeps it; the error comes after them.
 *
 * Backpressure still holds: past `highWaterBytes` queued the body is paused, and what it buffers
 * then is lost to a cut only when the reader is that far behind.
 */
export function takeBodyAsItArrives(
  body: Readable,
  highWaterBytes = defaultHighWaterBytes,
): AsyncIterable<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let queuedBytes = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  body.on("data", (chunk: Uint8Array) => {
    chunks.push(chunk);
    queuedBytes += chunk.byteLength;
    if (queuedBytes >= highWaterBytes) body.pause();
    notify();
  });
  body.on("end", () => {
    ended = true;
    notify();
  });
  body.on("error", (error: unknown) => {
    failure ??= { error };
    notify();
  });
  body.on("close", () => {
    if (!ended) failure ??= { error: new Error("the response body closed before its end") };
    notify();
  });
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          const chunk = chunks.shift();
          if (chunk !== undefined) {
            queuedBytes -= chunk.byteLength;
            if (queuedBytes < highWaterBytes && body.isPaused()) body.resume();
            yield chunk;
          } else if (failure) {
            throw failure.error;
          } else if (ended) {
            return;
          } else {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          }
        }
      } finally {
        // A reader that stops early frees the socket, as the stream's own iterator does.
        if (!ended) body.destroy();
      }
    },
  };
}
