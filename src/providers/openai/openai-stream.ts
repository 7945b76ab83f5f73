import { randomUUID } from "node:crypto";
import type { EventSourceMessage } from "eventsource-parser";
import type { ChatCompletionChunk, ChatUsage, FinishReason, ToolCallDelta } from "../../core/chat.js";
import { UpstreamError } from "../../core/upstream-error.js";
import { parseUpstreamBody, parseUpstreamJson } from "../shared/parse-upstream-body.js";
import { finishReasonOf, newToolCallId, type OpenAiResponseContext } from "./convert-openai-response.js";
import { type OpenAiChatChunk, openAiChatChunkSchema, plainOpenAiChatChunk } from "./openai-api.js";
import { createOpenAiStreamError, parseOpenAiError } from "./openai-error.js";

type Delta = ChatCompletionChunk["choices"][number]["delta"];

/**
 * Chat Completions SSE as our chunks. Upstream chunks are already OpenAI's,
 * so this normalizes rather than translates: one `role` chunk first, empty
 * deltas dropped, tool-call ids filled in where a compatible server omits
 * them, and usage always last in a `choices: []` chunk (DeepSeek puts it on
 * the finish chunk, OpenAI after it). The stream is complete at `[DONE]`, or
 * at a finish reason for servers that never send `[DONE]`.
 */
export async function* convertOpenAiStream(
  events: AsyncIterable<EventSourceMessage>,
  context: OpenAiResponseContext,
): AsyncGenerator<ChatCompletionChunk> {
  let id = "";
  let created = Math.floor(Date.now() / 1000);
  let model = context.modelId;
  let started = false;
  let finish: FinishReason | undefined;
  let sawDone = false;
  let usage: ChatUsage | undefined;
  let usageSent = false;
  const toolCallIndexes = new Set<number>();
  const chunk = (delta: Delta, finishReason: FinishReason | null = null): ChatCompletionChunk => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
  const usageChunk = (final: ChatUsage): ChatCompletionChunk => ({ ...chunk({}), choices: [], usage: final });

  for await (const event of events) {
    // Read on to the end of the body after [DONE] so the connection stays reusable.
    if (sawDone) continue;
    if (event.data.trim() === "[DONE]") {
      sawDone = true;
      continue;
    }
    const parsed = parseUpstreamJson(event.data, context);
    const body = context.normalizeChunk ? context.normalizeChunk(parsed) : parsed;
    const inBandError = parseOpenAiError(body);
    if (inBandError) throw createOpenAiStreamError(context.provider, context.url, inBandError, event.data);
    const upstream = plainOpenAiChatChunk(body) ?? parseUpstreamBody(openAiChatChunkSchema, body, context);
    // Azure opens with a chunk of prompt filter results only (`id: ""`, `created: 0`, `choices: []`):
    // nothing for the caller, and no id or model to take.
    if (!started && upstream.choices.length === 0 && !upstream.usage) continue;

    if (!started) {
      started = true;
      id = upstream.id || `chatcmpl-${randomUUID()}`;
      created = upstream.created || created;
      model = upstream.model || model;
      yield chunk({ role: "assistant", content: "" });
    }
    const choice = upstream.choices[0];
    const delta = convertDelta(choice?.delta, toolCallIndexes);
    if (delta) {
      const converted = chunk(delta);
      if (choice?.logprobs && converted.choices[0]) converted.choices[0].logprobs = choice.logprobs;
      yield converted;
    }
    if (choice?.finish_reason && finish === undefined) {
      finish = finishReasonOf(choice.finish_reason, toolCallIndexes.size > 0);
      yield chunk({}, finish);
    }
    // Groq reports a stream's usage in `x_groq.usage` on its last chunk.
    const chunkUsage = upstream.usage ?? upstream.x_groq?.usage;
    if (chunkUsage) usage = context.convertUsage(chunkUsage);
    if (usage && finish !== undefined && !usageSent) {
      usageSent = true;
      yield usageChunk(usage);
    }
  }

  if (!sawDone && finish === undefined) {
    throw new UpstreamError({
      provider: context.provider,
      kind: "stream",
      message: `${context.provider} stream ended before [DONE] or a finish reason: the stream was cut`,
      url: context.url,
    });
  }
  if (usage && !usageSent) yield usageChunk(usage);
}

function convertDelta(
  upstream: NonNullable<OpenAiChatChunk["choices"][number]["delta"]> | null | undefined,
  toolCallIndexes: Set<number>,
): Delta | undefined {
  if (!upstream) return undefined;
  const delta: Delta = {};
  if (upstream.reasoning_content) delta.reasoning_content = upstream.reasoning_content;
  const content = upstream.content || upstream.refusal;
  if (content) delta.content = content;
  if (upstream.tool_calls?.length) {
    delta.tool_calls = upstream.tool_calls.map((call) => {
      const converted: ToolCallDelta = { index: call.index };
      if (!toolCallIndexes.has(call.index)) {
        toolCallIndexes.add(call.index);
        converted.id = call.id ?? newToolCallId();
        converted.type = "function";
      }
      const name = call.function?.name;
      const argumentsText = call.function?.arguments;
      if (name || argumentsText != null) {
        converted.function = {};
        if (name) converted.function.name = name;
        if (argumentsText != null) converted.function.arguments = argumentsText;
      }
      return converted;
    });
  }
  return Object.keys(delta).length > 0 ? delta : undefined;
}
