import type { ChatMessage, ContentPart, ToolCall } from "../../core/chat.js";
import type {
  BedrockContentBlock,
  BedrockImageFormat,
  BedrockMessage,
  BedrockSystemBlock,
  BedrockToolResultContent,
} from "./bedrock-api.js";
import { createBedrockRequestError } from "./bedrock-error.js";

export interface BedrockPrompt {
  system: BedrockSystemBlock[] | undefined;
  messages: BedrockMessage[];
  /** The conversation carries tool calls or results: Converse then wants `toolConfig` present. */
  usesTools: boolean;
}

const cachePoint = { cachePoint: { type: "default" } } as const;

/**
 * OpenAI messages -> Converse `system` blocks and alternating user/assistant
 * turns. Every system and developer message goes to `system` (Converse has no
 * system turn); tool results become `toolResult` blocks of a user turn, and
 * consecutive turns of one role merge, since Converse wants roles to
 * alternate. A `cache_control` breakpoint becomes a `cachePoint` block after
 * the part (or message) it marks; an assistant's `thinking_blocks` go back
 * first in its turn as `reasoningContent`, where Claude wants them.
 */
export function convertToBedrockMessages(provider: string, messages: ChatMessage[]): BedrockPrompt {
  const system: BedrockSystemBlock[] = [];
  const turns: BedrockMessage[] = [];
  let usesTools = false;
  const append = (role: BedrockMessage["role"], content: BedrockContentBlock[]): void => {
    if (content.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...content);
    else turns.push({ role, content });
  };

  for (const [index, message] of messages.entries()) {
    const where = `messages[${index}]`;
    const breakpoint = message.cache_control ? [cachePoint] : [];
    switch (message.role) {
      case "system":
      case "developer": {
        const blocks = textBlocks(message.content);
        if (blocks.length > 0) system.push(...blocks, ...breakpoint);
        break;
      }
      case "user": {
        const blocks = userBlocks(provider, where, message.content);
        if (blocks.length > 0) append("user", [...blocks, ...breakpoint]);
        break;
      }
      case "assistant": {
        const toolUses = (message.tool_calls ?? []).map((call, callIndex) =>
          toolUseBlock(provider, `${where}.tool_calls[${callIndex}]`, call),
        );
        if (toolUses.length > 0) usesTools = true;
        const blocks = [...textBlocks(message.content), ...toolUses];
        append("assistant", [
          ...reasoningBlocks(message),
          ...blocks,
          ...(blocks.length > 0 ? breakpoint : []),
        ]);
        break;
      }
      case "tool": {
        usesTools = true;
        const content: BedrockToolResultContent[] = textBlocks(message.content).flatMap((block) =>
          "text" in block ? [{ text: block.text }] : [],
        );
        append("user", [
          {
            toolResult: {
              toolUseId: message.tool_call_id ?? "",
              // Converse wants a tool result to carry some content.
              content: content.length > 0 ? content : [{ text: "" }],
            },
          },
        ]);
        break;
      }
    }
  }
  return { system: system.length > 0 ? system : undefined, messages: turns, usesTools };
}

/** Converse refuses blank text blocks, so empty text is dropped; breakpoints on parts follow their block. */
function textBlocks(content: ChatMessage["content"]): Array<{ text: string } | typeof cachePoint> {
  const parts =
    typeof content === "string"
      ? [{ text: content, cache_control: undefined }]
      : (content ?? []).flatMap((part) => (part.type === "text" ? [part] : []));
  return parts
    .filter((part) => part.text.length > 0)
    .flatMap((part) => (part.cache_control ? [{ text: part.text }, cachePoint] : [{ text: part.text }]));
}

function userBlocks(provider: string, where: string, content: ChatMessage["content"]): BedrockContentBlock[] {
  if (typeof content === "string" || content === null) return textBlocks(content);
  return content.flatMap((part, partIndex): BedrockContentBlock[] =>
    part.type === "text"
      ? textBlocks([part])
      : [imageBlock(provider, `${where}.content[${partIndex}]`, part)],
  );
}

const dataUrlPattern = /^data:image\/([a-z]+);base64,(.*)$/is;
const imageFormats: Record<string, BedrockImageFormat> = {
  png: "png",
  jpeg: "jpeg",
  jpg: "jpeg",
  gif: "gif",
  webp: "webp",
};

/**
 * Converse takes an image as its bytes (or an S3 object), never a web
 * address: an http(s) URL is refused with a 400 rather than fetched by the gateway.
 */
function imageBlock(
  provider: string,
  where: string,
  part: Extract<ContentPart, { type: "image_url" }>,
): BedrockContentBlock {
  const data = dataUrlPattern.exec(part.image_url.url);
  const format = data ? imageFormats[(data[1] ?? "").toLowerCase()] : undefined;
  if (!data || !format) {
    throw createBedrockRequestError(
      provider,
      `${where}.image_url.url must be a base64 data: URL of a png, jpeg, gif or webp image (Bedrock takes no image URLs)`,
    );
  }
  return { image: { format, source: { bytes: data[2] ?? "" } } };
}

/** Converse takes tool input as a JSON object, OpenAI as a string of JSON. */
function toolUseBlock(provider: string, where: string, call: ToolCall): BedrockContentBlock {
  let input: unknown;
  try {
    input = call.function.arguments.trim() === "" ? {} : JSON.parse(call.function.arguments);
  } catch {
    input = undefined;
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw createBedrockRequestError(provider, `${where}.function.arguments must be a JSON object`);
  }
  return { toolUse: { toolUseId: call.id, name: call.function.name, input } };
}

function reasoningBlocks(message: ChatMessage): BedrockContentBlock[] {
  return (message.thinking_blocks ?? []).map((block) =>
    block.type === "thinking"
      ? { reasoningContent: { reasoningText: { text: block.thinking, signature: block.signature } } }
      : { reasoningContent: { redactedContent: block.data } },
  );
}
