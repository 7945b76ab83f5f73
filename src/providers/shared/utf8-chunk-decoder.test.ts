import { describe, expect, it } from "vitest";
import { Utf8ChunkDecoder } from "./utf8-chunk-decoder.js";

function decodeInPieces(bytes: Uint8Array, size: number): string {
  const decoder = new Utf8ChunkDecoder();
  let text = "";
  for (let start = 0; start < bytes.length; start += size)
    text += decoder.write(bytes.subarray(start, start + size));
  return text + decoder.end();
}

describe("Utf8ChunkDecoder", () => {
  const samples: Array<[string, Uint8Array]> = [
    ["two-, three- and four-byte characters", new TextEncoder().encode('{"t":"héllo 你好 👋"}')],
    [
      "a leading byte order mark",
      Uint8Array.from([0xef, 0xbb, 0xbf, ...new TextEncoder().encode("data: x")]),
    ],
    ["a byte order mark after the start, which is text", new TextEncoder().encode("a\uFEFFb")],
    ["bytes that are not UTF-8", Uint8Array.from([0x61, 0xff, 0xc3, 0x28, 0xe2, 0x82, 0x62])],
    ["a character cut off at the end", Uint8Array.from([0x61, 0xf0, 0x9f, 0x91])],
  ];
  for (const [what, bytes] of samples) {
    it(`reads ${what} as TextDecoder does, however the chunks fall`, () => {
      const expected = new TextDecoder().decode(bytes);
      for (const size of [1, 2, 3, 4, bytes.length]) expect(decodeInPieces(bytes, size)).toBe(expected);
    });
  }
});
