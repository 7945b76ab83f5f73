import { UpstreamError } from "../../core/upstream-error.js";
import type { UpstreamBodySource } from "../shared/parse-upstream-body.js";

type Json = Record<string, unknown>;

/** The usage counters message_delta reports as whole-message totals when they apply (absent otherwise). */
const totalsWhenPresent = [
  "input_tokens",
  "cache_creation_input_tokens",
  "cache_read_input_tokens",
  "server_tool_use",
  "output_tokens_details",
] as const;

/**
 * Folds a Messages stream's events into the Message the same request would
 * have got unstreamed, as the official SDK's MessageStream does: the message
 * of message_start (its usage included), each block as content_block_start
 * began it, grown by its deltas (text, citations, tool input JSON parsed at
 * the block's stop, thinking, signature), then message_delta's stop reason
 * and usage. Blocks of types we do not know are kept as they started.
 */
export class AnthropicMessageFromStream {
  private message: Json | undefined;
  private usage: Json = {};
  private readonly content: Json[] = [];
  /** Tool input JSON so far, per block index. */
  private readonly inputJson = new Map<number, string>();
  private stopped = false;

  constructor(private readonly source: UpstreamBodySource) {}

  /** One event's data, parsed. Events before message_start, and of types we do not know, change nothing. */
  add(event: Json): void {
    if (event.type === "message_start") {
      // Kept with its own key order; content and usage are filled in apart.
      this.message = { ...object(event.message) };
      this.usage = { ...object(this.message.usage) };
      const content = this.message.content;
      if (Array.isArray(content)) this.content.push(...content.map((block) => ({ ...object(block) })));
      return;
    }
    if (!this.message) return;
    const index = typeof event.index === "number" ? event.index : -1;
    switch (event.type) {
      case "content_block_start":
        this.content[index] = { ...object(event.content_block) };
        break;
      case "content_block_delta":
        this.grow(index, object(event.delta));
        break;
      case "content_block_stop":
        this.finishToolInput(index);
        break;
      case "message_delta":
        this.applyMessageDelta(object(event.delta), object(event.usage));
        break;
      case "message_stop":
        this.stopped = true;
        break;
    }
  }

  /** The whole Message, once message_stop came; undefined before. */
  result(): Json | undefined {
    if (!this.message || !this.stopped) return undefined;
    return { ...this.message, content: this.content, usage: this.usage };
  }

  private grow(index: number, delta: Json): void {
    const block = this.content[index];
    if (!block) return;
    switch (delta.type) {
      case "text_delta":
        if (block.type === "text") block.text = String(block.text ?? "") + String(delta.text ?? "");
        break;
      case "citations_delta":
        if (block.type === "text") {
          block.citations = [...(Array.isArray(block.citations) ? block.citations : []), delta.citation];
        }
        break;
      case "input_json_delta":
        if (block.type === "tool_use" || block.type === "server_tool_use") {
          this.inputJson.set(index, (this.inputJson.get(index) ?? "") + String(delta.partial_json ?? ""));
        }
        break;
      case "thinking_delta":
        if (block.type === "thinking") block.thinking = String(block.thinking ?? "") + String(delta.thinking);
        break;
      case "signature_delta":
        if (block.type === "thinking") block.signature = delta.signature;
        break;
    }
  }

  /** A tool block's input is its JSON fragments joined and parsed; with none it stays as it started (`{}`). */
  private finishToolInput(index: number): void {
    const json = this.inputJson.get(index);
    const block = this.content[index];
    if (json === undefined || !block) return;
    this.inputJson.delete(index);
    try {
      block.input = json === "" ? {} : JSON.parse(json);
    } catch {
      throw new UpstreamError({
        provider: this.source.provider,
        kind: "invalid_response",
        message: `${this.source.provider} streamed tool input that is not JSON`,
        url: this.source.url,
        body: json,
      });
    }
  }

  private applyMessageDelta(delta: Json, usage: Json): void {
    const message = this.message as Json;
    message.stop_reason = delta.stop_reason ?? null;
    message.stop_sequence = delta.stop_sequence ?? null;
    if (delta.stop_details !== undefined) message.stop_details = delta.stop_details;
    if (delta.container != null) message.container = delta.container;
    this.usage.output_tokens = usage.output_tokens;
    for (const key of totalsWhenPresent) if (usage[key] != null) this.usage[key] = usage[key];
  }
}

function object(value: unknown): Json {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}
