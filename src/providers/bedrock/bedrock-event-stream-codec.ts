import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

/**
 * AWS's event stream codec (frame CRCs, typed headers). Its own module,
 * imported at the first stream, so a gateway without Bedrock never loads it
 * (and named imports of these CommonJS packages stay static, which the bundle needs).
 */
export const bedrockEventStreamCodec = new EventStreamCodec(toUtf8, fromUtf8);
