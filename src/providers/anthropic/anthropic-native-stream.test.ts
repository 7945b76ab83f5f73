import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { NativeStreamPart } from "../../core/provider-adapter.js";
import { isUpstreamError } from "../../core/upstream-error.js";
import { parseSse } from "../shared/parse-sse.js";
import { pairAnthropicNativeStream } from "./anthropic-native-stream.js";

const url = "https://api.anthropic.com/v1/messages";

function fixtureLines(name: string): string[] {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8")
    .trim()
    .split("\n");
}

async function pairs(lines: string[]): Promise<NativeStreamPart[]> {
  const text = lines
    .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`)
    .join("");
  const events = parseSse({
    provider: "anthropic",
    url,
    body: (async function* () {
      yield text;
    })(),
    signal: new AbortController().signal,
  });
  const parts: NativeStreamPart[] = [];
  for await (const part of pairAnthropicNativeStream(events, { provider: "anthropic", url, model: "m" })) {
    parts.push(part);
  }
  return parts;
}

describe("pairAnthropicNativeStream", () => {
  it("passes every event on unchanged, in order, and reads usage from them as the translated path does", async () => {
    const lines = fixtureLines("anthropic-thinking.chunks.txt");
    const parts = await pairs(lines);
    expect(parts.flatMap((part) => part.events.map((event) => event.data))).toEqual(lines);
    expect(parts.flatMap((part) => part.events.map((event) => event.event))).toEqual(
      lines.map((line) => (JSON.parse(line) as { type: string }).type),
    );
    const usage = parts.map((part) => part.chunk?.usage).find(Boolean);
    expect(usage).toMatchObject({ prompt_tokens: 20 });
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("marks content from the first block on, thinking included: failover ends before any block reaches the caller", async () => {
    const parts = await pairs(fixtureLines("anthropic-thinking.chunks.txt"));
    const firstContent = parts.findIndex((part) => part.carriesContent);
    const before = parts.slice(0, firstContent).flatMap((part) => part.events.map((event) => event.event));
    expect(before).toEqual(["message_start"]);
    expect(parts[firstContent]?.events.map((event) => event.event)[0]).toBe("content_block_start");
  });

  it("an in-stream overloaded error throws a retryable upstream error instead of passing on", async () => {
    const failure = await pairs(fixtureLines("anthropic-overloaded.chunks.txt")).catch(
      (error: unknown) => error,
    );
    expect(isUpstreamError(failure) && failure.isRetryable).toBe(true);
  });
});
