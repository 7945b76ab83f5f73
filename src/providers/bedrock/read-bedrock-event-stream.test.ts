import { describe, expect, it } from "vitest";
import { eventFrame, exceptionFrame } from "../../fakes/bedrock/fake-bedrock.js";
import { readBedrockEventStream } from "./read-bedrock-event-stream.js";

const source = { provider: "bedrock", url: "http://bedrock.test/model/m/converse-stream" };

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let start = 0; start < bytes.length; start += size) yield bytes.slice(start, start + size);
}

async function readAll(body: AsyncIterable<Uint8Array>) {
  const messages = [];
  for await (const message of readBedrockEventStream(body, source)) messages.push(message);
  return messages;
}

const joined = (...frames: Uint8Array[]) => {
  const bytes = new Uint8Array(frames.reduce((sum, frame) => sum + frame.length, 0));
  let offset = 0;
  for (const frame of frames) {
    bytes.set(frame, offset);
    offset += frame.length;
  }
  return bytes;
};

describe("readBedrockEventStream", () => {
  const body = joined(
    eventFrame("messageStart", { role: "assistant" }),
    eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "héllo" } }),
    exceptionFrame("throttlingException", { message: "slow down" }),
  );

  for (const size of [1, 7, 64, body.length]) {
    it(`reads frames split into ${size}-byte pieces`, async () => {
      const messages = await readAll(pieces(body, size));
      expect(messages.map(({ messageType, type }) => [messageType, type])).toEqual([
        ["event", "messageStart"],
        ["event", "contentBlockDelta"],
        ["exception", "throttlingException"],
      ]);
      expect(JSON.parse(messages[1]?.body ?? "")).toMatchObject({ delta: { text: "héllo" } });
    });
  }

  it("a frame whose CRC does not match is an invalid response", async () => {
    const frame = eventFrame("messageStart", { role: "assistant" });
    frame[frame.length - 6] = (frame[frame.length - 6] ?? 0) ^ 0xff;
    await expect(readAll(pieces(frame, 5))).rejects.toMatchObject({ kind: "invalid_response" });
  });

  it("a body ending inside a frame is a broken stream", async () => {
    const frame = eventFrame("messageStart", { role: "assistant" });
    await expect(readAll(pieces(frame.slice(0, frame.length - 3), 4))).rejects.toMatchObject({
      kind: "stream",
    });
  });
});
