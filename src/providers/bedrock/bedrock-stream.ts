import type { z } from "zod";
import type { ChatCompletionChunk, FinishReason } from "../../core/chat.js";
import { UpstreamError } from "../../core/upstream-error.js";
import { parseUpstreamBody, parseUpstreamJson } from "../shared/parse-upstream-body.js";
import { type BedrockUsage, bedrockStreamEventSchemas } from "./bedrock-api.js";
import { createBedrockStreamError } from "./bedrock-error.js";
import { convertBedrockUsage } from "./convert-bedrock-usage.js";
import { bedrockJsonToolName } from "./convert-to-bedrock-request.js";
import { mapBedrockStopReason } from "./map-bedrock-stop-reason.js";
import type { BedrockStreamMessage } from "./read-bedrock-event-stream.js";

export interface BedrockStreamSource {
  provider: string;
  url: string;
  /** ConverseStream names no model and no id: the id asked for, and one the gateway makes. */
  model: string;
  id: string;
  created?: number;
}

type ChunkDelta = ChatCompletionChunk["choices"][number]["delta"];

/**
 * ConverseStream messages -> OpenAI chunks, each yielded as soon as its
 * message is read (docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html).
 * Text comes as deltas without a block start; a tool call starts with
 * `contentBlockStart.start.toolUse` and streams its input as JSON text;
 * reasoning streams as `reasoning_content` and goes out whole as
 * `thinking_blocks` at its block's stop. `messageStop` carries the stop
 * reason, the `metadata` after it the usage. An `exception` message is a
 * failure classified by its type; a body that ends before `messageStop` is a broken stream.
 */
export async function* convertBedrockStream(
  messages: AsyncIterable<BedrockStreamMessage>,
  source: BedrockStreamSource,
): AsyncGenerator<ChatCompletionChunk> {
  const created = source.created ?? Math.floor(Date.now() / 1000);
  let stopped = false;
  let usage: BedrockUsage | undefined;
  const toolIndexByBlock = new Map<number, number>();
  const jsonBlocks = new Set<number>();
  const thinkingByBlock = new Map<number, { thinking: string; signature: string }>();
  const chunk = (delta: ChunkDelta, finish: FinishReason | null = null): ChatCompletionChunk => ({
    id: source.id,
    object: "chat.completion.chunk",
    created,
    model: source.model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const parse = <Schema extends z.ZodType>(schema: Schema, body: string): z.infer<Schema> =>
    parseUpstreamBody(schema, parseUpstreamJson(body, source), source);

  for await (const message of messages) {
    if (message.messageType !== "event") {
      throw createBedrockStreamError(source.provider, source.url, message.type || "unknown", message.body);
    }
    switch (message.type) {
      case "messageStart":
        yield chunk({ role: "assistant", content: "" });
        break;
      case "contentBlockStart": {
        const event = parse(bedrockStreamEventSchemas.contentBlockStart, message.body);
        const toolUse = event.start?.toolUse;
        if (toolUse?.name === bedrockJsonToolName) jsonBlocks.add(event.contentBlockIndex);
        else if (toolUse) {
          const index = toolIndexByBlock.size;
          toolIndexByBlock.set(event.contentBlockIndex, index);
          yield chunk({
            tool_calls: [
              {
                index,
                id: toolUse.toolUseId,
                type: "function",
                function: { name: toolUse.name, arguments: "" },
              },
            ],
          });
        }
        break;
      }
      case "contentBlockDelta": {
        const { contentBlockIndex: block, delta } = parse(
          bedrockStreamEventSchemas.contentBlockDelta,
          message.body,
        );
        if (delta.text) yield chunk({ content: delta.text });
        else if (delta.toolUse && delta.toolUse.input !== "") {
          const index = toolIndexByBlock.get(block);
          if (jsonBlocks.has(block)) yield chunk({ content: delta.toolUse.input });
          else if (index !== undefined) {
            yield chunk({ tool_calls: [{ index, function: { arguments: delta.toolUse.input } }] });
          }
        } else if (delta.reasoningContent?.redactedContent) {
          yield chunk({
            thinking_blocks: [{ type: "redacted_thinking", data: delta.reasoningContent.redactedContent }],
          });
        } else if (delta.reasoningContent) {
          const thinking = thinkingByBlock.get(block) ?? { thinking: "", signature: "" };
          thinkingByBlock.set(block, thinking);
          thinking.thinking += delta.reasoningContent.text ?? "";
          thinking.signature += delta.reasoningContent.signature ?? "";
          if (delta.reasoningContent.text) yield chunk({ reasoning_content: delta.reasoningContent.text });
        }
        break;
      }
      case "contentBlockStop": {
        const thinking = thinkingByBlock.get(
          parse(bedrockStreamEventSchemas.contentBlockStop, message.body).contentBlockIndex,
        );
        if (thinking) yield chunk({ thinking_blocks: [{ type: "thinking", ...thinking }] });
        break;
      }
      case "messageStop": {
        const event = parse(bedrockStreamEventSchemas.messageStop, message.body);
        stopped = true;
        yield chunk({}, mapBedrockStopReason(event.stopReason, toolIndexByBlock.size > 0));
        break;
      }
      case "metadata":
        usage = parse(bedrockStreamEventSchemas.metadata, message.body).usage ?? undefined;
        if (usage) yield { ...chunk({}), choices: [], usage: convertBedrockUsage(usage) };
        break;
      default:
        // Event types newer than this adapter carry nothing it could pass on.
        break;
    }
  }
  if (!stopped) {
    throw new UpstreamError({
      provider: source.provider,
      kind: "stream",
      message: `${source.provider} stream ended before messageStop`,
      url: source.url,
    });
  }
}
