import type { ChatCompletion, ChatCompletionChunk } from "../core/chat.js";
import type { CachedAnswer } from "../core/response-cache.js";
import { tokenUsageFromChatUsage } from "../core/token-usage.js";
import type { Caller } from "./caller.js";
import type { ChatCallOptions, ChatInput, ChatOutcome } from "./chat-types.js";
import type { UsageBooker } from "./usage-booker.js";

/**
 * A request answered from the cache: no provider is called. A streaming
 * caller gets the answer as a well-formed stream (role, reasoning, content,
 * tool calls, finish, usage: the chunks a provider's stream would have made,
 * which each door writes in its own wire format). Booked as a request of $0
 * whose saving is the cached answer's original cost.
 */
export async function replayCachedAnswer(
  booker: UsageBooker,
  input: ChatInput,
  caller: Caller,
  options: ChatCallOptions,
  answer: CachedAnswer,
  started: number,
): Promise<ChatOutcome> {
  const id = `chatcmpl-${caller.requestId}`;
  const completion: ChatCompletion = {
    ...answer.completion,
    id,
    model: answer.model,
    created: Math.floor(Date.now() / 1000),
  };
  const streams = options.onChunk !== undefined || options.onNativeEvents !== undefined;
  if (streams) {
    options.onCommit?.({
      provider: answer.provider,
      model: answer.model,
      attempts: 0,
      native: false,
      cache: "hit",
    });
    for (const chunk of chunksOf(completion)) {
      const text = chunk.choices[0]?.delta.content;
      if (text) options.progress?.received(text);
      await options.onChunk?.(chunk);
    }
  }
  const latencyMs = Math.round(performance.now() - started);
  booker.book({
    requestId: caller.requestId,
    projectId: caller.projectId,
    agentId: caller.agentId,
    modelGroup: input.model ? null : (input.modelGroup ?? "reasoning"),
    provider: answer.provider,
    model: answer.model,
    kind: "chat",
    door: caller.door,
    // No provider read or wrote a token for this request.
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    cacheWriteInputTokens: 0,
    costNanoUsd: 0,
    latencyMs,
    outcome: "success",
    estimated: false,
    cacheHit: true,
    savedNanoUsd: answer.costNanoUsd,
    timestamp: Date.now(),
  });
  const choice = completion.choices[0];
  const tokens = completion.usage ? tokenUsageFromChatUsage(completion.usage) : undefined;
  return {
    completion,
    estimated: false,
    cache: "hit",
    ...(streams ? { timeToFirstTokenMs: latencyMs } : {}),
    result: {
      id,
      model: answer.model,
      provider: answer.provider,
      content: choice?.message.content ?? null,
      tool_calls: choice?.message.tool_calls ?? [],
      ...(choice?.message.reasoning_content ? { reasoning_content: choice.message.reasoning_content } : {}),
      finish_reason: choice?.finish_reason ?? null,
      // The tokens the answer took when it was made; none were billed now.
      usage: {
        input_tokens: tokens?.inputTokens ?? 0,
        output_tokens: tokens?.outputTokens ?? 0,
        cached_input_tokens: tokens?.cachedInputTokens ?? 0,
        cache_write_tokens: tokens?.cacheWriteInputTokens ?? 0,
        total_tokens: (tokens?.inputTokens ?? 0) + (tokens?.outputTokens ?? 0),
      },
      cost_usd: 0,
      latency_ms: latencyMs,
      attempts: [],
      cache: "hit",
    },
  };
}

/** The chunks of a stream that would have produced `completion`, usage last (choices empty, as OpenAI's). */
export function chunksOf(completion: ChatCompletion): ChatCompletionChunk[] {
  const frame = {
    id: completion.id,
    object: "chat.completion.chunk" as const,
    created: completion.created,
    model: completion.model,
  };
  const chunks: ChatCompletionChunk[] = [];
  for (const choice of completion.choices) {
    const { message, index } = choice;
    const delta = (part: ChatCompletionChunk["choices"][number]["delta"]) =>
      chunks.push({ ...frame, choices: [{ index, delta: part, finish_reason: null }] });
    delta({ role: "assistant", content: "" });
    if (message.reasoning_content || message.thinking_blocks?.length) {
      delta({
        ...(message.reasoning_content ? { reasoning_content: message.reasoning_content } : {}),
        ...(message.thinking_blocks?.length ? { thinking_blocks: message.thinking_blocks } : {}),
      });
    }
    if (message.content) delta({ content: message.content });
    for (const [position, call] of (message.tool_calls ?? []).entries()) {
      delta({
        tool_calls: [
          {
            index: position,
            id: call.id,
            type: "function",
            function: { name: call.function.name, arguments: call.function.arguments },
            ...(call.extra_content ? { extra_content: call.extra_content } : {}),
          },
        ],
      });
    }
    chunks.push({
      ...frame,
      choices: [
        {
          index,
          delta: {},
          finish_reason: choice.finish_reason ?? "stop",
          ...(choice.logprobs ? { logprobs: choice.logprobs } : {}),
        },
      ],
    });
  }
  if (completion.usage) chunks.push({ ...frame, choices: [], usage: completion.usage });
  return chunks;
}
