import { readFileSync } from "node:fs";
import type { EventSourceMessage } from "eventsource-parser";
import type { ChatCompletionChunk } from "../../../core/chat.js";
import type { ModelSpec } from "../../../core/model-catalog.js";
import type { ProviderSettings } from "../../../core/provider-adapter.js";
import { isUpstreamError, type UpstreamError } from "../../../core/upstream-error.js";
import type { FakeResponse } from "../../../fakes/fake-upstream-server.js";

function read(name: string): string {
  return readFileSync(new URL(`./${name}`, import.meta.url), "utf8");
}

/** A recorded-shape JSON body from this folder. */
export function openAiFixture(name: string): unknown {
  return JSON.parse(read(name));
}

/** A `.chunks.txt` fixture as SSE events: one `data:` payload per line, then `[DONE]` unless told otherwise. */
export function openAiFixtureEvents(name: string, options: { done?: boolean } = {}): EventSourceMessage[] {
  const lines = read(name)
    .split("\n")
    .filter((line) => line.trim() !== "");
  return [...lines, ...(options.done === false ? [] : ["[DONE]"])].map((data) => ({ data }));
}

/** The same fixture served by a fake as a real SSE response. */
export function openAiFixtureReply(name: string, options: { done?: boolean } = {}): FakeResponse {
  return { type: "sse", events: openAiFixtureEvents(name, options).map(({ data }) => ({ data })) };
}

/** A catalog entry for tests; `providerModelId` is what goes upstream. */
export function testModel(overrides: Partial<ModelSpec> = {}): ModelSpec {
  return {
    name: "gpt-4.1",
    kind: "chat",
    provider: "openai",
    providerModelId: "gpt-4.1",
    contextWindow: 1_047_576,
    maxOutputTokens: 32_768,
    pricing: {
      inputMicroUsdPerMtok: 2_000_000,
      outputMicroUsdPerMtok: 8_000_000,
      cachedInputMicroUsdPerMtok: 500_000,
      cacheWriteMicroUsdPerMtok: 2_000_000,
    },
    ...overrides,
  };
}

export function testSettings(baseUrl: string, overrides: Partial<ProviderSettings> = {}): ProviderSettings {
  return {
    name: "openai",
    kind: "openai",
    apiKey: "sk-test-0123456789abcdef",
    baseUrl,
    timeouts: { connectMs: 1_000, firstByteMs: 5_000, answerMs: 5_000, idleMs: 5_000 },
    ...overrides,
  };
}

/** The UpstreamError a call fails with; anything else (or success) fails the test. */
export async function upstreamFailure(run: () => Promise<unknown>): Promise<UpstreamError> {
  try {
    await run();
  } catch (error) {
    if (isUpstreamError(error)) return error;
    throw error;
  }
  throw new Error("expected an UpstreamError, but the call succeeded");
}

export async function collectChunks(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

export function streamedText(chunks: ChatCompletionChunk[]): string {
  return chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
}
