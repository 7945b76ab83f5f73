import type { ChatCompletionChunk, ChatUsage, FinishReason, ThinkingBlock, ToolCall } from "../core/chat.js";

/**
 * Folds streamed chunks into what a non-streamed answer would have been:
 * the full text and reasoning, thinking blocks, tool calls with their
 * argument fragments joined, the finish reason and the provider's usage if
 * it sent any.
 */
export class ChatStreamAccumulator {
  content = "";
  reasoningContent = "";
  readonly thinkingBlocks: ThinkingBlock[] = [];
  finishReason: FinishReason | null = null;
  usage: ChatUsage | undefined;
  id: string | undefined;
  model: string | undefined;
  private readonly toolCallsByIndex = new Map<number, ToolCall>();

  add(chunk: ChatCompletionChunk): void {
    this.id ??= chunk.id;
    this.model ??= chunk.model;
    if (chunk.usage) this.usage = chunk.usage;
    for (const choice of chunk.choices) {
      if (choice.delta.content) this.content += choice.delta.content;
      if (choice.delta.reasoning_content) this.reasoningContent += choice.delta.reasoning_content;
      if (choice.delta.thinking_blocks) this.thinkingBlocks.push(...choice.delta.thinking_blocks);
      for (const delta of choice.delta.tool_calls ?? []) {
        const call = this.toolCallsByIndex.get(delta.index) ?? {
          id: delta.id ?? "",
          type: "function" as const,
          function: { name: "", arguments: "" },
        };
        if (delta.id) call.id = delta.id;
        if (delta.function?.name) call.function.name += delta.function.name;
        if (delta.function?.arguments) call.function.arguments += delta.function.arguments;
        if (delta.extra_content) call.extra_content = delta.extra_content;
        this.toolCallsByIndex.set(delta.index, call);
      }
      if (choice.finish_reason) this.finishReason = choice.finish_reason;
    }
  }

  get toolCalls(): ToolCall[] {
    return [...this.toolCallsByIndex.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
  }

  /** The text a caller has received so far (content and tool-call arguments), for estimating output tokens. */
  get deliveredText(): string {
    return (
      this.reasoningContent +
      this.content +
      this.toolCalls.map((call) => call.function.name + call.function.arguments).join("")
    );
  }
}

/** Whether a chunk carries something the caller will see: the point of no return for failover. */
export function chunkCarriesContent(chunk: ChatCompletionChunk): boolean {
  return chunk.choices.some(
    (choice) =>
      Boolean(choice.delta.content) ||
      Boolean(choice.delta.reasoning_content) ||
      (choice.delta.thinking_blocks?.length ?? 0) > 0 ||
      (choice.delta.tool_calls?.length ?? 0) > 0 ||
      choice.finish_reason !== null,
  );
}
