import type { ChatCompletionChunk, ChatUsage, FinishReason } from "../../core/chat.js";
import {
  functionCallItem,
  messageItem,
  outputTextPart,
  type ResponseFrame,
  reasoningItem,
  responseObject,
  statusOf,
} from "./convert-responses-response.js";

/** Where named events go: the response's SseWriter. */
export interface EventSink {
  event(name: string, payload: string): Promise<void>;
}

type OpenItem =
  | { kind: "reasoning"; outputIndex: number; id: string; text: string }
  | { kind: "message"; outputIndex: number; id: string; text: string }
  | {
      kind: "function_call";
      outputIndex: number;
      id: string;
      toolIndex: number;
      callId: string;
      name: string;
      text: string;
    };

/**
 * Internal chunks as the Responses API's event sequence
 * (https://platform.openai.com/docs/api-reference/responses-streaming):
 * response.created, response.in_progress, then per output item
 * output_item.added, its parts and deltas (reasoning summary text, output
 * text, function call arguments) and their `.done` events, output_item.done,
 * and at the end response.completed (or .incomplete) with the booked usage.
 * Every event carries a `sequence_number` counting from 0.
 */
export class ResponsesStreamWriter {
  private started: boolean;
  private open: OpenItem | undefined;
  private readonly output: Array<Record<string, unknown>> = [];
  private finishReason: FinishReason | null = null;
  private readonly suffix: string;

  constructor(
    private readonly sse: EventSink,
    private readonly frame: ResponseFrame,
    /** Continuing a stream someone else began (a native one that failed): its next number, no created events. */
    private sequenceNumber = 0,
  ) {
    this.started = sequenceNumber > 0;
    this.suffix = frame.id.replace(/^resp_/, "");
  }

  async chunk(chunk: ChatCompletionChunk): Promise<void> {
    await this.start();
    for (const choice of chunk.choices) {
      const { delta } = choice;
      if (delta.reasoning_content) await this.reasoningDelta(delta.reasoning_content);
      if (delta.content) await this.textDelta(delta.content);
      for (const call of delta.tool_calls ?? []) {
        if (this.open?.kind !== "function_call" || this.open.toolIndex !== call.index) {
          await this.closeItem();
          const item = {
            kind: "function_call" as const,
            outputIndex: this.output.length,
            id: `fc_${this.suffix}_${call.index}`,
            toolIndex: call.index,
            callId: call.id ?? "",
            name: call.function?.name ?? "",
            text: "",
          };
          this.open = item;
          await this.emit("response.output_item.added", {
            output_index: item.outputIndex,
            item: functionCallItem(
              item.id,
              item.callId,
              item.name,
              "",
              "in_progress",
              this.namespaceOf(item.name),
            ),
          });
        }
        const fragment = call.function?.arguments;
        if (fragment && this.open.kind === "function_call") {
          this.open.text += fragment;
          await this.emit("response.function_call_arguments.delta", {
            item_id: this.open.id,
            output_index: this.open.outputIndex,
            delta: fragment,
          });
        }
      }
      if (choice.finish_reason) this.finishReason = choice.finish_reason;
    }
  }

  /** The closing events, with the usage as booked. */
  async finish(usage: ChatUsage | undefined): Promise<void> {
    await this.start();
    await this.closeItem();
    const { status, incompleteDetails } = statusOf(this.finishReason);
    await this.emit(status === "completed" ? "response.completed" : "response.incomplete", {
      response: responseObject(this.frame, { status, output: this.output, usage, incompleteDetails }),
    });
  }

  /** After the stream started, a failure ends it with `response.failed`. */
  async fail(error: { code: string; message: string }): Promise<void> {
    await this.start();
    await this.emit("response.failed", {
      response: responseObject(this.frame, { status: "failed", output: this.output, error }),
    });
  }

  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const response = responseObject(this.frame, { status: "in_progress", output: [] });
    await this.emit("response.created", { response });
    await this.emit("response.in_progress", { response });
  }

  private async reasoningDelta(text: string): Promise<void> {
    if (this.open?.kind !== "reasoning") {
      await this.closeItem();
      this.open = {
        kind: "reasoning",
        outputIndex: this.output.length,
        id: `rs_${this.suffix}_${this.output.length}`,
        text: "",
      };
      await this.emit("response.output_item.added", {
        output_index: this.open.outputIndex,
        item: reasoningItem(this.open.id, undefined),
      });
      await this.emit("response.reasoning_summary_part.added", {
        ...this.summaryPlace(this.open),
        part: { type: "summary_text", text: "" },
      });
    }
    this.open.text += text;
    await this.emit("response.reasoning_summary_text.delta", {
      ...this.summaryPlace(this.open),
      delta: text,
    });
  }

  private async textDelta(text: string): Promise<void> {
    if (this.open?.kind !== "message") {
      await this.closeItem();
      this.open = {
        kind: "message",
        outputIndex: this.output.length,
        id: `msg_${this.suffix}_${this.output.length}`,
        text: "",
      };
      await this.emit("response.output_item.added", {
        output_index: this.open.outputIndex,
        item: messageItem(this.open.id, "", "in_progress"),
      });
      await this.emit("response.content_part.added", {
        ...this.contentPlace(this.open),
        part: outputTextPart(""),
      });
    }
    this.open.text += text;
    await this.emit("response.output_text.delta", {
      ...this.contentPlace(this.open),
      delta: text,
      logprobs: [],
    });
  }

  private async closeItem(): Promise<void> {
    const item = this.open;
    if (!item) return;
    this.open = undefined;
    let done: Record<string, unknown>;
    if (item.kind === "reasoning") {
      await this.emit("response.reasoning_summary_text.done", {
        ...this.summaryPlace(item),
        text: item.text,
      });
      await this.emit("response.reasoning_summary_part.done", {
        ...this.summaryPlace(item),
        part: { type: "summary_text", text: item.text },
      });
      done = reasoningItem(item.id, item.text);
    } else if (item.kind === "message") {
      await this.emit("response.output_text.done", {
        ...this.contentPlace(item),
        text: item.text,
        logprobs: [],
      });
      await this.emit("response.content_part.done", {
        ...this.contentPlace(item),
        part: outputTextPart(item.text),
      });
      done = messageItem(item.id, item.text, "completed");
    } else {
      await this.emit("response.function_call_arguments.done", {
        item_id: item.id,
        output_index: item.outputIndex,
        name: item.name,
        arguments: item.text,
      });
      done = functionCallItem(
        item.id,
        item.callId,
        item.name,
        item.text,
        "completed",
        this.namespaceOf(item.name),
      );
    }
    this.output.push(done);
    await this.emit("response.output_item.done", { output_index: item.outputIndex, item: done });
  }

  private namespaceOf(name: string): string | undefined {
    return this.frame.namespaces?.get(name);
  }

  private summaryPlace(item: OpenItem) {
    return { item_id: item.id, output_index: item.outputIndex, summary_index: 0 };
  }

  private contentPlace(item: OpenItem) {
    return { item_id: item.id, output_index: item.outputIndex, content_index: 0 };
  }

  private async emit(type: string, payload: Record<string, unknown>): Promise<void> {
    const sequence_number = this.sequenceNumber++;
    await this.sse.event(type, JSON.stringify({ type, ...payload, sequence_number }));
  }
}
