import type { EventSourceMessage } from "eventsource-parser";
import type { ChatCompletionChunk, FinishReason } from "../../core/chat.js";
import { UpstreamError } from "../../core/upstream-error.js";
import { parseUpstreamBody, parseUpstreamJson } from "../shared/parse-upstream-body.js";
import {
  type AnthropicUsage,
  anthropicStreamEventSchema,
  anthropicStreamEventTypes,
} from "./anthropic-api.js";
import { createAnthropicStreamError } from "./anthropic-error.js";
import { anthropicJsonToolName } from "./anthropic-json-response.js";
import { convertAnthropicUsage, mergeAnthropicUsage } from "./convert-anthropic-usage.js";
import { mapAnthropicStopReason } from "./map-anthropic-stop-reason.js";

export interface AnthropicStreamSource {
  provider: string;
  url: string;
  /** The model id asked for, reported until `message_start` names the one that answers. */
  model: string;
  created?: number;
}

type ChunkDelta = ChatCompletionChunk["choices"][number]["delta"];

/**
 * Messages API stream events -> OpenAI chunks, each yielded as soon as its
 * event is read (https://docs.claude.com/en/docs/build-with-claude/streaming).
 * `tool_use` blocks become tool calls numbered in order of appearance; the
 * forced JSON tool's input streams as content. Thinking streams as
 * `reasoning_content`; each thinking block is also sent whole as
 * `thinking_blocks` once its signature arrived (at its `content_block_stop`),
 * a redacted one when it starts. Usage goes out as a usage-only chunk twice:
 * the input counts of `message_start` (billed from then on, so a stream cut
 * later is booked with them), then the totals at `message_stop`. A body that
 * ends before `message_stop` is a broken stream.
 */
export async function* convertAnthropicStream(
  events: AsyncIterable<EventSourceMessage>,
  source: AnthropicStreamSource,
): AsyncGenerator<ChatCompletionChunk> {
  const created = source.created ?? Math.floor(Date.now() / 1000);
  let id = "";
  let model = source.model;
  let usage: AnthropicUsage | undefined;
  let finishReason: FinishReason | undefined;
  let stopped = false;
  const toolIndexByBlock = new Map<number, number>();
  const jsonBlocks = new Set<number>();
  const thinkingByBlock = new Map<number, { thinking: string; signature: string }>();
  const chunk = (delta: ChunkDelta, finish: FinishReason | null = null): ChatCompletionChunk => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });

  for await (const message of events) {
    if (stopped) continue;
    const data = parseUpstreamJson(message.data, source);
    const type = (data as { type?: unknown } | null)?.type;
    if (typeof type !== "string" || !anthropicStreamEventTypes.has(type)) continue;
    const event = parseUpstreamBody(anthropicStreamEventSchema, data, source);
    switch (event.type) {
      case "message_start":
        id = event.message.id;
        model = event.message.model;
        usage = event.message.usage ?? undefined;
        yield chunk({ role: "assistant", content: "" });
        if (usage) yield { ...chunk({}), choices: [], usage: convertAnthropicUsage(usage) };
        break;
      case "content_block_start": {
        const block = event.content_block;
        if (block.type === "text" && block.text) {
          yield chunk({ content: block.text });
        } else if (block.type === "thinking") {
          thinkingByBlock.set(event.index, { thinking: block.thinking ?? "", signature: "" });
          if (block.thinking) yield chunk({ reasoning_content: block.thinking });
        } else if (block.type === "redacted_thinking") {
          yield chunk({ thinking_blocks: [{ type: "redacted_thinking", data: block.data }] });
        } else if (block.type === "tool_use" && block.name === anthropicJsonToolName) {
          jsonBlocks.add(event.index);
        } else if (block.type === "tool_use") {
          const index = toolIndexByBlock.size;
          toolIndexByBlock.set(event.index, index);
          yield chunk({
            tool_calls: [
              { index, id: block.id, type: "function", function: { name: block.name, arguments: "" } },
            ],
          });
        }
        break;
      }
      case "content_block_delta": {
        const delta = event.delta;
        const thinking = thinkingByBlock.get(event.index);
        if (delta.type === "text_delta") {
          yield chunk({ content: delta.text });
        } else if (delta.type === "thinking_delta" && thinking) {
          thinking.thinking += delta.thinking;
          if (delta.thinking) yield chunk({ reasoning_content: delta.thinking });
        } else if (delta.type === "signature_delta" && thinking) {
          thinking.signature += delta.signature;
        } else if (delta.type === "input_json_delta" && delta.partial_json !== "") {
          const index = toolIndexByBlock.get(event.index);
          if (jsonBlocks.has(event.index)) yield chunk({ content: delta.partial_json });
          else if (index !== undefined)
            yield chunk({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] });
        }
        break;
      }
      case "content_block_stop": {
        const thinking = thinkingByBlock.get(event.index);
        if (thinking) yield chunk({ thinking_blocks: [{ type: "thinking", ...thinking }] });
        break;
      }
      case "message_delta":
        if (event.usage) usage = mergeAnthropicUsage(usage, event.usage);
        finishReason = mapAnthropicStopReason(event.delta.stop_reason, toolIndexByBlock.size > 0);
        yield chunk({}, finishReason);
        break;
      case "message_stop":
        if (finishReason === undefined) yield chunk({}, mapAnthropicStopReason(undefined, false));
        if (usage) yield { ...chunk({}), choices: [], usage: convertAnthropicUsage(usage) };
        // Read on to the end of the body so the connection can be reused.
        stopped = true;
        break;
      case "error":
        throw createAnthropicStreamError(source.provider, source.url, event);
    }
  }
  if (!stopped) {
    throw new UpstreamError({
      provider: source.provider,
      kind: "stream",
      message: `${source.provider} stream ended before message_stop`,
      url: source.url,
    });
  }
}
