import type { ChatCompletion, ThinkingBlock, ToolCall } from "../../core/chat.js";
import type { BedrockConverseResponse } from "./bedrock-api.js";
import { convertBedrockUsage } from "./convert-bedrock-usage.js";
import { bedrockJsonToolName } from "./convert-to-bedrock-request.js";
import { mapBedrockStopReason } from "./map-bedrock-stop-reason.js";

export interface BedrockResponseSource {
  /** Converse answers carry no id: the gateway makes one. */
  id: string;
  /** Nor the model's name: the id asked for. */
  model: string;
  created?: number;
}

/**
 * A Converse answer -> an OpenAI chat completion. Reasoning comes back as
 * `reasoning_content` and, whole with its signature, as `thinking_blocks`
 * for the caller to send back; the forced JSON tool's input is the content.
 */
export function convertBedrockResponse(
  response: BedrockConverseResponse,
  source: BedrockResponseSource,
): ChatCompletion {
  let content = "";
  let reasoning = "";
  const thinkingBlocks: ThinkingBlock[] = [];
  const toolCalls: ToolCall[] = [];
  for (const block of response.output.message.content) {
    if (block.text) content += block.text;
    else if (block.toolUse?.name === bedrockJsonToolName)
      content += JSON.stringify(block.toolUse.input ?? {});
    else if (block.toolUse) {
      toolCalls.push({
        id: block.toolUse.toolUseId,
        type: "function",
        function: { name: block.toolUse.name, arguments: JSON.stringify(block.toolUse.input ?? {}) },
      });
    } else if (block.reasoningContent?.reasoningText) {
      const { text, signature } = block.reasoningContent.reasoningText;
      reasoning += text ?? "";
      thinkingBlocks.push({ type: "thinking", thinking: text ?? "", signature: signature ?? "" });
    } else if (block.reasoningContent?.redactedContent) {
      thinkingBlocks.push({ type: "redacted_thinking", data: block.reasoningContent.redactedContent });
    }
  }
  return {
    id: source.id,
    object: "chat.completion",
    created: source.created ?? Math.floor(Date.now() / 1000),
    model: source.model,
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
        finish_reason: mapBedrockStopReason(response.stopReason, toolCalls.length > 0),
      },
    ],
    ...(response.usage ? { usage: convertBedrockUsage(response.usage) } : {}),
  };
}
