import { createParser, type EventSourceMessage } from "eventsource-parser";
import { mapNetworkError } from "./map-network-error.js";
import { redactCredentials } from "./redact-credentials.js";
import { Utf8ChunkDecoder } from "./utf8-chunk-decoder.js";

export interface SseSource {
  provider: string;
  url: string;
  body: AsyncIterable<Uint8Array | string>;
  signal: AbortSignal;
  /** The keys the request sent (`credentialsIn`): an in-band error event may repeat one. */
  credentials?: readonly string[];
}

/**
 * Yields the server-sent events of an upstream body as they arrive. Socket
 * failures mid-stream become UpstreamErrors (kind `timeout`/`connection`).
 */
export async function* parseSse(source: SseSource): AsyncGenerator<EventSourceMessage> {
  const pending: EventSourceMessage[] = [];
  const credentials = source.credentials ?? [];
  // Redacted per whole event, so a key split across network chunks is still found.
  const parser = createParser({
    onEvent: (event) => {
      // Nearly every event holds no key: copied only when one is found.
      const data = credentials.length > 0 ? redactCredentials(event.data, credentials) : event.data;
      pending.push(data === event.data ? event : { ...event, data });
    },
  });
  const decoder = new Utf8ChunkDecoder();
  try {
    for await (const chunk of source.body) {
      parser.feed(typeof chunk === "string" ? chunk : decoder.write(chunk));
      while (pending.length > 0) yield pending.shift() as EventSourceMessage;
    }
  } catch (error) {
    throw mapNetworkError(source.provider, source.url, error, source.signal);
  }
  parser.feed(decoder.end());
  parser.reset({ consume: true });
  while (pending.length > 0) yield pending.shift() as EventSourceMessage;
}
