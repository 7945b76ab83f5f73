import type { EventSourceMessage } from "eventsource-parser";
import type { NativeStreamPart } from "../../core/provider-adapter.js";
import { AnthropicMessageFromStream } from "./anthropic-message-from-stream.js";
import { type AnthropicStreamSource, convertAnthropicStream } from "./anthropic-stream.js";

/**
 * A Messages stream passed on as read, each step paired with what the
 * translating reader makes of it: usage, tool calls and errors are read once,
 * by the same code as for translated calls, while the caller gets Anthropic's
 * events unchanged (thinking and signature deltas, citations, server tools).
 * With `assembleBody`, the last part carries the Message folded from them.
 */
export async function* pairAnthropicNativeStream(
  events: AsyncIterable<EventSourceMessage>,
  source: AnthropicStreamSource,
  options: { assembleBody?: boolean } = {},
): AsyncGenerator<NativeStreamPart> {
  const pending: NativeStreamPart["events"] = [];
  let carriesContent = false;
  const assembled = options.assembleBody ? new AnthropicMessageFromStream(source) : undefined;
  async function* recorded(): AsyncGenerator<EventSourceMessage> {
    for await (const message of events) {
      pending.push({ ...(message.event ? { event: message.event } : {}), data: message.data });
      // The translating reader below has checked nothing yet: a body that is not JSON is its to report.
      if (assembled) assembled.add(parsedOrEmpty(message.data));
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
  const body = assembled?.result();
  if (pending.length > 0 || body !== undefined) yield { ...take(), ...(body !== undefined ? { body } : {}) };
}

function parsedOrEmpty(data: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(data);
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
