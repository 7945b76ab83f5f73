import type { EventStreamCodec } from "@smithy/eventstream-codec";
import { UpstreamError } from "../../core/upstream-error.js";

/** One message of an `application/vnd.amazon.eventstream` body, its headers read. */
export interface BedrockStreamMessage {
  /** `:message-type`: `event`, `exception` or `error`. */
  messageType: string;
  /** `:event-type` of an event, `:exception-type` of an exception, `:error-code` of an error. */
  type: string;
  body: string;
}

/** Loaded at the first stream: a gateway without Bedrock never reads AWS's codec. */
let codec: Promise<EventStreamCodec> | undefined;
async function loadCodec(): Promise<EventStreamCodec> {
  return (await import("./bedrock-event-stream-codec.js")).bedrockEventStreamCodec;
}

const textDecoder = new TextDecoder();
/** Total length (4 bytes), headers length (4), prelude CRC (4), then headers, payload, message CRC (4). */
const preludeLength = 12;

/**
 * AWS event stream frames
 * (docs.aws.amazon.com/AmazonS3/latest/API/RESTSelectObjectAppendix.html) ->
 * messages, each as soon as its last byte arrived. Splitting follows the
 * total length of each prelude; AWS's codec checks both CRCs and reads the
 * headers. A body ending inside a frame is a broken stream.
 */
export async function* readBedrockEventStream(
  body: AsyncIterable<Uint8Array>,
  source: { provider: string; url: string },
): AsyncGenerator<BedrockStreamMessage> {
  codec ??= loadCodec();
  const decoder = await codec;
  let buffered: Uint8Array = new Uint8Array(0);
  for await (const chunk of body) {
    buffered = concat(buffered, chunk);
    while (buffered.length >= preludeLength) {
      const totalLength = new DataView(buffered.buffer, buffered.byteOffset, 4).getUint32(0, false);
      if (buffered.length < totalLength) break;
      yield readMessage(decoder, buffered.subarray(0, totalLength), source);
      buffered = buffered.subarray(totalLength);
    }
  }
  if (buffered.length > 0) {
    throw new UpstreamError({
      provider: source.provider,
      kind: "stream",
      message: `${source.provider} stream ended inside an event (${buffered.length} bytes left)`,
      url: source.url,
    });
  }
}

function readMessage(
  decoder: EventStreamCodec,
  frame: Uint8Array,
  source: { provider: string; url: string },
): BedrockStreamMessage {
  let message: ReturnType<EventStreamCodec["decode"]>;
  try {
    message = decoder.decode(frame);
  } catch (error) {
    throw new UpstreamError({
      provider: source.provider,
      kind: "invalid_response",
      message: `${source.provider} sent an event stream frame we cannot read (${(error as Error).message})`,
      url: source.url,
      cause: error,
    });
  }
  const header = (name: string): string => {
    const value = message.headers[name];
    return value?.type === "string" ? value.value : "";
  };
  const messageType = header(":message-type");
  const type =
    messageType === "event"
      ? header(":event-type")
      : messageType === "exception"
        ? header(":exception-type")
        : header(":error-code");
  // An `error` message carries its text in a header, not the payload.
  const body =
    messageType === "error"
      ? JSON.stringify({ message: header(":error-message") })
      : textDecoder.decode(message.body);
  return { messageType, type, body };
}

function concat(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length === 0) return right;
  const joined = new Uint8Array(left.length + right.length);
  joined.set(left, 0);
  joined.set(right, left.length);
  return joined;
}
