import { describe, expect, it } from "vitest";
import { parseSse } from "./parse-sse.js";

async function* piecesOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
}

async function eventsOf(body: AsyncIterable<Uint8Array | string>): Promise<string[]> {
  const data: string[] = [];
  const source = { provider: "openai", url: "http://127.0.0.1/v1/chat/completions", body };
  for await (const event of parseSse({ ...source, signal: new AbortController().signal }))
    data.push(event.data);
  return data;
}

describe("parseSse", () => {
  const text = 'data: {"content":"héllo wörld 👋 你好"}\n\ndata: [DONE]\n\n';
  const bytes = new TextEncoder().encode(text);

  // A provider's network chunks split multi-byte characters anywhere (2, 3 and 4 bytes here).
  for (const size of [1, 2, 3, 5, 7]) {
    it(`keeps characters whole when the body arrives in ${size}-byte pieces`, async () => {
      expect(await eventsOf(piecesOf(bytes, size))).toEqual(['{"content":"héllo wörld 👋 你好"}', "[DONE]"]);
    });
  }
});
