import type {
  ChatMessage,
  ChatRequest,
  ContentPart,
  FunctionTool,
  ToolCall,
  ToolChoice,
} from "../../core/chat.js";
import { GatewayError } from "../../core/gateway-error.js";
import type {
  AnthropicContentBlock,
  AnthropicCountTokensRequest,
  AnthropicMessage,
  AnthropicMessagesRequest,
  AnthropicTool,
  AnthropicToolChoice,
} from "./anthropic-messages-schema.js";

/**
 * A Messages request as the internal chat shape (OpenAI Chat Completions).
 *
 * What it carries, and what it does with what it cannot (README, "Anthropic
 * Messages API"):
 * - translated: system (string or text blocks), system messages inside
 *   `messages` (at their place), text, image (base64 or url),
 *   tool_use, tool_result, client tools, tool_choice, stop_sequences,
 *   temperature, top_p, max_tokens, metadata.user_id (as `user`),
 *   output_config.format (as a JSON-schema response format);
 * - hints that change cost or latency but not what is asked, ignored on the
 *   translated path: cache_control, thinking, output_config.effort,
 *   context_management, service_tier, and thinking blocks of earlier turns
 *   (Anthropic itself drops those from the context);
 * - untranslatable, named: documents, server tools and their result blocks,
 *   top_k, disable_parallel_tool_use, mcp_servers, container, any other
 *   block type. Only an Anthropic deployment, which gets the request
 *   natively, can take a request carrying one.
 */
export function convertMessagesRequest(body: AnthropicMessagesRequest): ChatRequest {
  const { request, untranslatable } = translateMessagesRequest(body);
  if (untranslatable) throw refusal(untranslatable.param, untranslatable.message);
  return request;
}

/** A field the internal shape cannot carry, and why. */
export interface Untranslatable {
  param: string;
  message: string;
}

/**
 * The translation with whatever it cannot carry left out, the first such
 * field named: enough for admission's estimates while the request itself
 * goes natively to a deployment that speaks the Messages API.
 */
export function translateMessagesRequest(body: AnthropicMessagesRequest): {
  request: ChatRequest;
  untranslatable?: Untranslatable;
} {
  const losses: Untranslatable[] = [];
  const lose: Lose = (param, message) => losses.push({ param, message });
  const request = translate(body, lose);
  return losses[0] ? { request, untranslatable: losses[0] } : { request };
}

/** The prompt part, for count_tokens: what cannot be translated is left out of the count. */
export function convertPrompt(
  body: AnthropicCountTokensRequest,
): Pick<ChatRequest, "messages" | "tools" | "tool_choice"> {
  return translatePrompt(body, () => undefined);
}

type Lose = (param: string, message: string) => void;

function translate(body: AnthropicMessagesRequest, lose: Lose): ChatRequest {
  noteUntranslatableOptions(body, lose);
  let format = body.output_config?.format;
  if (format && format.type !== "json_schema") {
    lose("output_config.format.type", `"${format.type}" output formats cannot be translated`);
    format = undefined;
  }
  return {
    ...translatePrompt(body, lose),
    max_tokens: body.max_tokens,
    ...(body.temperature != null ? { temperature: body.temperature } : {}),
    ...(body.top_p != null ? { top_p: body.top_p } : {}),
    ...(body.stop_sequences?.length ? { stop: body.stop_sequences } : {}),
    ...(body.metadata?.user_id ? { user: body.metadata.user_id } : {}),
    ...(format
      ? {
          response_format: {
            type: "json_schema" as const,
            json_schema: {
              name: "output",
              ...(format.schema ? { schema: format.schema } : {}),
              strict: true,
            },
          },
        }
      : {}),
  };
}

function translatePrompt(
  body: AnthropicCountTokensRequest,
  lose: Lose,
): Pick<ChatRequest, "messages" | "tools" | "tool_choice"> {
  const messages: ChatMessage[] = [];
  const system = systemText(body.system, "system", lose);
  if (system !== undefined) messages.push({ role: "system", content: system });
  for (const [index, message] of body.messages.entries()) {
    messages.push(...convertMessage(message, `messages.${index}`, lose));
  }
  const tools = body.tools?.flatMap((tool, index) => convertTool(tool, `tools.${index}`, lose) ?? []);
  const toolChoice = body.tool_choice ? convertToolChoice(body.tool_choice) : undefined;
  return {
    messages,
    ...(tools?.length ? { tools } : {}),
    ...(toolChoice ? { tool_choice: toolChoice } : {}),
  };
}

function noteUntranslatableOptions(body: AnthropicMessagesRequest, lose: Lose): void {
  if (body.top_k != null) lose("top_k", "top_k has no equivalent on the other providers");
  if (body.mcp_servers?.length) lose("mcp_servers", "remote MCP servers cannot be translated");
  if (body.container != null) lose("container", "containers cannot be translated");
  const choice = body.tool_choice;
  if (choice && "disable_parallel_tool_use" in choice && choice.disable_parallel_tool_use) {
    lose("tool_choice.disable_parallel_tool_use", "disable_parallel_tool_use cannot be translated");
  }
}

/** A system prompt's text, its text blocks joined; the top-level `system` or a system message's content. */
function systemText(
  system: string | AnthropicContentBlock[] | null | undefined,
  path: string,
  lose: Lose,
): string | undefined {
  if (system == null) return undefined;
  if (typeof system === "string") return system.length > 0 ? system : undefined;
  const texts = system.flatMap((block, index) => {
    if (block.type === "text") return [(block as { text: string }).text];
    loseBlock(block, `${path}.${index}`, lose);
    return [];
  });
  return texts.length > 0 ? texts.join("\n\n") : undefined;
}

function convertMessage(message: AnthropicMessage, path: string, lose: Lose): ChatMessage[] {
  // A system message inside `messages` stays where it stands: the chat shape takes one anywhere.
  if (message.role === "system") {
    const text = systemText(message.content, `${path}.content`, lose);
    return text === undefined ? [] : [{ role: "system", content: text }];
  }
  if (typeof message.content === "string") return [{ role: message.role, content: message.content }];
  return message.role === "assistant"
    ? [convertAssistantMessage(message.content, path, lose)]
    : convertUserMessage(message.content, path, lose);
}

/** Text blocks become the content, tool_use blocks the tool calls; earlier thinking is not context. */
function convertAssistantMessage(blocks: AnthropicContentBlock[], path: string, lose: Lose): ChatMessage {
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  for (const [index, block] of blocks.entries()) {
    if (block.type === "text") texts.push((block as { text: string }).text);
    else if (block.type === "tool_use") {
      const toolUse = block as { id: string; name: string; input: unknown };
      toolCalls.push({
        id: toolUse.id,
        type: "function",
        function: { name: toolUse.name, arguments: JSON.stringify(toolUse.input ?? {}) },
      });
    } else if (block.type !== "thinking" && block.type !== "redacted_thinking") {
      loseBlock(block, `${path}.content.${index}`, lose);
    }
  }
  return {
    role: "assistant",
    content: texts.length > 0 ? texts.join("") : null,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
}

/**
 * tool_result blocks become `tool` messages, which must directly follow the
 * assistant's tool calls; the rest of the user turn comes after them.
 */
function convertUserMessage(blocks: AnthropicContentBlock[], path: string, lose: Lose): ChatMessage[] {
  const toolMessages: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  for (const [index, block] of blocks.entries()) {
    const blockPath = `${path}.content.${index}`;
    if (block.type === "tool_result") {
      toolMessages.push(convertToolResult(block, blockPath, lose));
      continue;
    }
    const part = convertUserPart(block);
    if (part) parts.push(part);
    else loseBlock(block, blockPath, lose);
  }
  if (parts.length === 0) return toolMessages;
  const onlyText = parts.every((part) => part.type === "text");
  const content = onlyText ? parts.map((part) => (part as { text: string }).text).join("\n\n") : parts;
  return [...toolMessages, { role: "user", content }];
}

function convertUserPart(block: AnthropicContentBlock): ContentPart | undefined {
  if (block.type === "text") return { type: "text", text: (block as { text: string }).text };
  if (block.type === "image") {
    const { source } = block as {
      source: { type: "base64"; media_type: string; data: string } | { type: "url"; url: string };
    };
    const url = source.type === "url" ? source.url : `data:${source.media_type};base64,${source.data}`;
    return { type: "image_url", image_url: { url } };
  }
  return undefined;
}

function convertToolResult(block: AnthropicContentBlock, path: string, lose: Lose): ChatMessage {
  const result = block as {
    tool_use_id: string;
    content?: string | Array<{ type: string; text?: unknown }>;
    is_error?: boolean | null;
  };
  const content = result.content ?? "";
  const text =
    typeof content === "string"
      ? content
      : content
          .flatMap((part, index) => {
            if (part.type === "text" && typeof part.text === "string") return [part.text];
            // Chat Completions tool messages carry text only.
            lose(
              `${path}.content.${index}`,
              `"${part.type}" blocks inside tool_result cannot be translated (tool messages carry text only)`,
            );
            return [];
          })
          .join("\n\n");
  // The other protocols have no error flag on a tool result: the model reads it from the text.
  return {
    role: "tool",
    tool_call_id: result.tool_use_id,
    content: result.is_error ? `Error: ${text}` : text,
  };
}

function convertTool(tool: AnthropicTool, path: string, lose: Lose): FunctionTool | undefined {
  if (tool.type != null && tool.type !== "custom") {
    lose(`${path}.type`, `the server tool "${tool.type}" runs only on Anthropic and cannot be translated`);
    return undefined;
  }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(tool.name)) {
    lose(`${path}.name`, "tool names are 1-64 characters of letters, digits, '_' or '-'");
    return undefined;
  }
  return {
    type: "function",
    function: {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      parameters: tool.input_schema ?? { type: "object", properties: {} },
    },
  };
}

function convertToolChoice(choice: AnthropicToolChoice): ToolChoice {
  switch (choice.type) {
    case "auto":
      return "auto";
    case "any":
      return "required";
    case "none":
      return "none";
    default:
      return { type: "function", function: { name: choice.name } };
  }
}

function loseBlock(block: AnthropicContentBlock, path: string, lose: Lose): void {
  lose(`${path}.type`, `"${block.type}" blocks cannot be translated to the internal chat shape`);
}

function refusal(param: string, reason: string): GatewayError {
  return new GatewayError("GW_ERR_INVALID_REQUEST", `Invalid request: ${param}: ${reason}.`, { param });
}
