import type { EventSourceMessage } from "eventsource-parser";
import type { NativeStreamPart } from "../../core/provider-adapter.js";
import { type AnthropicStreamSource, convertAnthropicStream } from "./anthropic-stream.js";

/**
 * A Messages stream passed on as read, each step paired with what the
 * translating reader makes of it: usage, tool calls and errors are read once,
 * by the same code as for translated calls, while the caller gets Anthropic's
 * events unchanged (thinking and signature deltas, citations, server tools).
 */
export async function* pairAnthropicNativeStream(
  events: AsyncIterable<EventSourceMessage>,
  source: AnthropicStreamSource,
): AsyncGenerator<NativeStreamPart> {
  const pending: NativeStreamPart["events"] = [];
  let carriesContent = false;
  async function* recorded(): AsyncGenerator<EventSourceMessage> {
    for await (const message of events) {
      pending.push({ ...(message.event ? { event: message.event } : {}), data: message.data });
      if (message.event === "content_block_start" || message.event === "content_block_delta") {
        carriesContent = true;
      }
      yield message;
    }
  }
  const take = (): { events: NativeStreamPart["events"]; carriesContent: boolean } => {
    const part = { events: pending.splice(0), carriesContent };
    carriesContent = false;
    return part;
  };
  for await (const chunk of convertAnthropicStream(recorded(), source)) yield { ...take(), chunk };
  if (pending.length > 0) yield take();
}
