import type { ChatCompletion, ThinkingBlock, ToolCall } from "../../core/chat.js";
import type { AnthropicMessageResponse } from "./anthropic-api.js";
import { anthropicJsonToolName } from "./anthropic-json-response.js";
import { convertAnthropicUsage } from "./convert-anthropic-usage.js";
import { mapAnthropicStopReason } from "./map-anthropic-stop-reason.js";

/**
 * A Messages API answer -> an OpenAI chat completion. Thinking comes back
 * twice: its text as `reasoning_content`, and every block whole (signature,
 * redacted data) as `thinking_blocks` for the caller to send back.
 */
export function convertAnthropicMessage(
  message: AnthropicMessageResponse,
  created: number = Math.floor(Date.now() / 1000),
): ChatCompletion {
  let content = "";
  let reasoning = "";
  const thinkingBlocks: ThinkingBlock[] = [];
  const toolCalls: ToolCall[] = [];
  for (const block of message.content) {
    if (block.type === "text") content += block.text;
    else if (block.type === "thinking") {
      reasoning += block.thinking;
      thinkingBlocks.push({ type: "thinking", thinking: block.thinking, signature: block.signature });
    } else if (block.type === "redacted_thinking") {
      thinkingBlocks.push({ type: "redacted_thinking", data: block.data });
    } else if (block.type === "tool_use" && block.name === anthropicJsonToolName) {
      content += JSON.stringify(block.input ?? {});
    } else if (block.type === "tool_use") {
      toolCalls.push({
        id: block.id,
        type: "function",
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  return {
    id: message.id,
    object: "chat.completion",
    created,
    model: message.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: content === "" && toolCalls.length > 0 ? null : content,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(reasoning ? { reasoning_content: reasoning } : {}),
          ...(thinkingBlocks.length > 0 ? { thinking_blocks: thinkingBlocks } : {}),
        },
        finish_reason: mapAnthropicStopReason(message.stop_reason, toolCalls.length > 0),
      },
    ],
    usage: convertAnthropicUsage(message.usage),
  };
}
