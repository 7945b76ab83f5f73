import type { CacheControl, ChatMessage, ContentPart, ToolCall } from "../../core/chat.js";
import type {
  AnthropicContentBlock,
  AnthropicImageBlock,
  AnthropicMessage,
  AnthropicTextBlock,
} from "./anthropic-api.js";
import { createAnthropicRequestError } from "./anthropic-error.js";

export interface AnthropicPrompt {
  system: AnthropicTextBlock[] | undefined;
  messages: AnthropicMessage[];
}

export interface AnthropicMessagesOptions {
  /** The model takes system turns inside `messages` (Claude Opus 4.8 and later). */
  midConversationSystemMessages?: boolean;
}

/**
 * OpenAI messages -> Anthropic's `system` and alternating user/assistant turns.
 * Leading system and developer messages go to `system`; later ones stay where
 * they stand, as a `system` turn, when the model takes one there (after a
 * user turn, before an assistant turn or at the end), and otherwise go to
 * `system` too, after what is there (README, "Anthropic Messages API"); tool
 * results become `tool_result` blocks of a user turn; consecutive turns of one
 * role merge, since Anthropic wants roles to alternate (parallel tool results
 * must share one user turn, tool results first). `cache_control` stays on
 * its part, or, given on a message, goes on the message's last block; an
 * assistant message's `thinking_blocks` go back first in its turn, where
 * Anthropic requires them when thinking is on with tool use.
 */
export function convertToAnthropicMessages(
  provider: string,
  messages: ChatMessage[],
  options: AnthropicMessagesOptions = {},
): AnthropicPrompt {
  const inPlace = options.midConversationSystemMessages ? systemMessagesInPlace(messages) : new Set();
  const system: AnthropicTextBlock[] = [];
  const turns: AnthropicMessage[] = [];
  const append = (role: AnthropicMessage["role"], content: AnthropicContentBlock[]): void => {
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...content);
    else turns.push({ role, content });
  };

  for (const [index, message] of messages.entries()) {
    const where = `messages[${index}]`;
    switch (message.role) {
      case "system":
      case "developer": {
        const blocks = withCacheControl(textBlocks(message.content), message.cache_control);
        if (!inPlace.has(index)) system.push(...blocks);
        else if (blocks.length > 0) append("system", blocks);
        break;
      }
      case "user":
        append("user", withCacheControl(userBlocks(provider, where, message.content), message.cache_control));
        break;
      case "assistant":
        append("assistant", [
          ...(message.thinking_blocks ?? []).map((block) => ({ ...block })),
          ...withCacheControl(
            [
              ...textBlocks(message.content),
              ...(message.tool_calls ?? []).map((call, callIndex) =>
                toolUseBlock(provider, `${where}.tool_calls[${callIndex}]`, call),
              ),
            ],
            message.cache_control,
          ),
        ]);
        break;
      case "tool": {
        const content = textBlocks(message.content);
        append("user", [
          {
            type: "tool_result",
            tool_use_id: message.tool_call_id ?? "",
            ...(content.length > 0 ? { content } : {}),
          },
        ]);
        break;
      }
    }
  }
  return { system: system.length > 0 ? system : undefined, messages: turns };
}

/**
 * The system and developer messages a model that takes system turns gets
 * where they stand: each run of them that follows a user turn (a user message
 * or tool results) and precedes an assistant turn or ends the conversation,
 * as Anthropic's placement rules ask; a run becomes one turn.
 */
function systemMessagesInPlace(messages: ChatMessage[]): Set<number> {
  const isSystem = (message: ChatMessage | undefined) =>
    message?.role === "system" || message?.role === "developer";
  const inPlace = new Set<number>();
  let start = 0;
  while (start < messages.length) {
    let end = start;
    while (isSystem(messages[end])) end += 1;
    if (end === start) {
      start += 1;
      continue;
    }
    const before = messages[start - 1]?.role;
    const after = messages[end]?.role;
    if ((before === "user" || before === "tool") && (after === undefined || after === "assistant")) {
      for (let index = start; index < end; index += 1) inPlace.add(index);
    }
    start = end;
  }
  return inPlace;
}

/** Anthropic rejects empty text blocks, so empty text is dropped. */
function textBlocks(content: ChatMessage["content"]): AnthropicTextBlock[] {
  const parts =
    typeof content === "string"
      ? [{ text: content, cache_control: undefined }]
      : (content ?? []).flatMap((part) => (part.type === "text" ? [part] : []));
  return parts
    .filter((part) => part.text.length > 0)
    .map((part) => ({
      type: "text",
      text: part.text,
      ...(part.cache_control ? { cache_control: { ...part.cache_control } } : {}),
    }));
}

/** A message-level breakpoint marks the end of the message: its last block. */
function withCacheControl<Block extends AnthropicContentBlock>(
  blocks: Block[],
  cacheControl: CacheControl | undefined,
): Block[] {
  const last = blocks.at(-1);
  if (cacheControl && last && last.type !== "thinking" && last.type !== "redacted_thinking") {
    (last as { cache_control?: CacheControl }).cache_control = { ...cacheControl };
  }
  return blocks;
}

function userBlocks(
  provider: string,
  where: string,
  content: ChatMessage["content"],
): AnthropicContentBlock[] {
  if (typeof content === "string" || content === null) return textBlocks(content);
  return content.flatMap((part, partIndex): AnthropicContentBlock[] =>
    part.type === "text"
      ? textBlocks([part])
      : [imageBlock(provider, `${where}.content[${partIndex}]`, part)],
  );
}

const dataUrlPattern = /^data:([^;,]+);base64,(.*)$/s;

function imageBlock(
  provider: string,
  where: string,
  part: Extract<ContentPart, { type: "image_url" }>,
): AnthropicImageBlock {
  const url = part.image_url.url;
  const data = dataUrlPattern.exec(url);
  if (data)
    return { type: "image", source: { type: "base64", media_type: data[1] ?? "", data: data[2] ?? "" } };
  if (/^https?:\/\//i.test(url)) return { type: "image", source: { type: "url", url } };
  throw createAnthropicRequestError(
    provider,
    `${where}.image_url.url must be a base64 data: URL or an http(s) URL`,
  );
}

/** Anthropic takes tool input as a JSON object, OpenAI as a string of JSON. */
function toolUseBlock(provider: string, where: string, call: ToolCall): AnthropicContentBlock {
  let input: unknown;
  try {
    input = call.function.arguments.trim() === "" ? {} : JSON.parse(call.function.arguments);
  } catch {
    input = undefined;
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw createAnthropicRequestError(provider, `${where}.function.arguments must be a JSON object`);
  }
  return { type: "tool_use", id: call.id, name: call.function.name, input };
}
