import type { ChatCompletionChunk, ChatUsage, FinishReason } from "../../core/chat.js";
import { convertUsage, mapFinishReason } from "./convert-messages-response.js";

/**
 * Internal chunks as Anthropic's event sequence
 * (https://docs.claude.com/en/docs/build-with-claude/streaming): message_start,
 * ping, then per block content_block_start / *_delta / content_block_stop,
 * then message_delta (stop_reason and usage) and message_stop.
 *
 * Usage is known only at the end on most providers, so message_start carries
 * zeros and message_delta the booked totals, input included, as Anthropic's
 * own message_delta does. Reasoning text (DeepSeek's reasoning_content) is
 * not sent: a thinking block without Anthropic's signature could not be sent
 * back to Anthropic on the next turn.
 */
/** Where named events go: the response's SseWriter. */
export interface EventSink {
  event(name: string, payload: string): Promise<void>;
}

export class MessagesStreamWriter {
  private started = false;
  private openBlock: { index: number; kind: "text" | "tool_use"; toolIndex?: number } | undefined;
  private nextBlockIndex = 0;
  private finishReason: FinishReason | null = null;

  constructor(
    private readonly sse: EventSink,
    private readonly id: string,
    private readonly model: string,
  ) {}

  async chunk(chunk: ChatCompletionChunk): Promise<void> {
    await this.start();
    for (const choice of chunk.choices) {
      if (choice.delta.content) {
        if (this.openBlock?.kind !== "text") {
          await this.openNewBlock({ kind: "text" }, { type: "text", text: "" });
        }
        await this.delta({ type: "text_delta", text: choice.delta.content });
      }
      for (const call of choice.delta.tool_calls ?? []) {
        if (this.openBlock?.kind !== "tool_use" || this.openBlock.toolIndex !== call.index) {
          await this.openNewBlock(
            { kind: "tool_use", toolIndex: call.index },
            { type: "tool_use", id: call.id ?? "", name: call.function?.name ?? "", input: {} },
          );
        }
        if (call.function?.arguments) {
          await this.delta({ type: "input_json_delta", partial_json: call.function.arguments });
        }
      }
      if (choice.finish_reason) this.finishReason = choice.finish_reason;
    }
  }

  /** The closing events, with the usage as booked. */
  async finish(usage: ChatUsage | undefined): Promise<void> {
    await this.start();
    await this.closeBlock();
    await this.sse.event(
      "message_delta",
      JSON.stringify({
        type: "message_delta",
        delta: { stop_reason: mapFinishReason(this.finishReason) ?? "end_turn", stop_sequence: null },
        usage: convertUsage(usage),
      }),
    );
    await this.sse.event("message_stop", JSON.stringify({ type: "message_stop" }));
  }

  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.sse.event(
      "message_start",
      JSON.stringify({
        type: "message_start",
        message: {
          id: this.id,
          type: "message",
          role: "assistant",
          model: this.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: convertUsage(undefined),
        },
      }),
    );
    await this.sse.event("ping", JSON.stringify({ type: "ping" }));
  }

  private async openNewBlock(
    block: { kind: "text" | "tool_use"; toolIndex?: number },
    contentBlock: Record<string, unknown>,
  ): Promise<void> {
    await this.closeBlock();
    const index = this.nextBlockIndex++;
    this.openBlock = { index, ...block };
    await this.sse.event(
      "content_block_start",
      JSON.stringify({ type: "content_block_start", index, content_block: contentBlock }),
    );
  }

  private async delta(delta: Record<string, unknown>): Promise<void> {
    await this.sse.event(
      "content_block_delta",
      JSON.stringify({ type: "content_block_delta", index: this.openBlock?.index ?? 0, delta }),
    );
  }

  private async closeBlock(): Promise<void> {
    if (!this.openBlock) return;
    const { index } = this.openBlock;
    this.openBlock = undefined;
    await this.sse.event("content_block_stop", JSON.stringify({ type: "content_block_stop", index }));
  }
}
