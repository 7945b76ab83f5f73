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
 * Messages door"):
 * - translated: system (string or text blocks), text, image (base64 or url),
 *   tool_use, tool_result, client tools, tool_choice, stop_sequences,
 *   temperature, top_p, max_tokens, metadata.user_id (as `user`),
 *   output_config.format (as a JSON-schema response format);
 * - hints that change cost or latency but not what is asked, ignored on the
 *   translated path: cache_control, thinking, output_config.effort,
 *   context_management, service_tier, and thinking blocks of earlier turns
 *   (Anthropic itself drops those from the context);
 * - refused with a 400 naming the field: documents, server tools and their
 *   result blocks, top_k, disable_parallel_tool_use, mcp_servers, container,
 *   any other block type.
 */
export function convertMessagesRequest(body: AnthropicMessagesRequest): ChatRequest {
  refuseUntranslatable(body);
  const format = body.output_config?.format;
  if (format && format.type !== "json_schema") {
    throw refusal("output_config.format.type", `"${format.type}" output formats cannot be translated`);
  }
  return {
    ...convertPrompt(body),
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

/** The prompt part shared with count_tokens: system, messages, tools and tool_choice. */
export function convertPrompt(
  body: AnthropicCountTokensRequest,
): Pick<ChatRequest, "messages" | "tools" | "tool_choice"> {
  const messages: ChatMessage[] = [];
  const system = systemText(body.system);
  if (system !== undefined) messages.push({ role: "system", content: system });
  for (const [index, message] of body.messages.entries()) {
    messages.push(...convertMessage(message, `messages.${index}`));
  }
  const tools = body.tools?.map((tool, index) => convertTool(tool, `tools.${index}`));
  const toolChoice = body.tool_choice ? convertToolChoice(body.tool_choice) : undefined;
  return {
    messages,
    ...(tools?.length ? { tools } : {}),
    ...(toolChoice ? { tool_choice: toolChoice } : {}),
  };
}

function refuseUntranslatable(body: AnthropicMessagesRequest): void {
  if (body.top_k != null) throw refusal("top_k", "top_k has no equivalent on the other providers");
  if (body.mcp_servers?.length) throw refusal("mcp_servers", "remote MCP servers cannot be translated");
  if (body.container != null) throw refusal("container", "containers cannot be translated");
  const choice = body.tool_choice;
  if (choice && "disable_parallel_tool_use" in choice && choice.disable_parallel_tool_use) {
    throw refusal("tool_choice.disable_parallel_tool_use", "disable_parallel_tool_use cannot be translated");
  }
}

function systemText(system: AnthropicMessagesRequest["system"]): string | undefined {
  if (system == null) return undefined;
  if (typeof system === "string") return system.length > 0 ? system : undefined;
  const texts = system.map((block, index) => {
    if (block.type !== "text") throw unsupportedBlock(block, `system.${index}`);
    return (block as { text: string }).text;
  });
  return texts.length > 0 ? texts.join("\n\n") : undefined;
}

function convertMessage(message: AnthropicMessage, path: string): ChatMessage[] {
  if (typeof message.content === "string") return [{ role: message.role, content: message.content }];
  return message.role === "assistant"
    ? [convertAssistantMessage(message.content, path)]
    : convertUserMessage(message.content, path);
}

/** Text blocks become the content, tool_use blocks the tool calls; earlier thinking is not context. */
function convertAssistantMessage(blocks: AnthropicContentBlock[], path: string): ChatMessage {
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  for (const [index, block] of blocks.entries()) {
    const blockPath = `${path}.content.${index}`;
    if (block.type === "text") texts.push((block as { text: string }).text);
    else if (block.type === "tool_use") {
      const toolUse = block as { id: string; name: string; input: unknown };
      toolCalls.push({
        id: toolUse.id,
        type: "function",
        function: { name: toolUse.name, arguments: JSON.stringify(toolUse.input ?? {}) },
      });
    } else if (block.type !== "thinking" && block.type !== "redacted_thinking") {
      throw unsupportedBlock(block, blockPath);
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
function convertUserMessage(blocks: AnthropicContentBlock[], path: string): ChatMessage[] {
  const toolMessages: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  for (const [index, block] of blocks.entries()) {
    const blockPath = `${path}.content.${index}`;
    if (block.type === "tool_result") toolMessages.push(convertToolResult(block, blockPath));
    else parts.push(convertUserPart(block, blockPath));
  }
  if (parts.length === 0) return toolMessages;
  const onlyText = parts.every((part) => part.type === "text");
  const content = onlyText ? parts.map((part) => (part as { text: string }).text).join("\n\n") : parts;
  return [...toolMessages, { role: "user", content }];
}

function convertUserPart(block: AnthropicContentBlock, path: string): ContentPart {
  if (block.type === "text") return { type: "text", text: (block as { text: string }).text };
  if (block.type === "image") {
    const { source } = block as {
      source: { type: "base64"; media_type: string; data: string } | { type: "url"; url: string };
    };
    const url = source.type === "url" ? source.url : `data:${source.media_type};base64,${source.data}`;
    return { type: "image_url", image_url: { url } };
  }
  throw unsupportedBlock(block, path);
}

function convertToolResult(block: AnthropicContentBlock, path: string): ChatMessage {
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
          .map((part, index) => {
            // Chat Completions tool messages carry text only.
            if (part.type !== "text" || typeof part.text !== "string") {
              throw refusal(
                `${path}.content.${index}`,
                `"${part.type}" blocks inside tool_result cannot be translated (tool messages carry text only)`,
              );
            }
            return part.text;
          })
          .join("\n\n");
  // The other protocols have no error flag on a tool result: the model reads it from the text.
  return {
    role: "tool",
    tool_call_id: result.tool_use_id,
    content: result.is_error ? `Error: ${text}` : text,
  };
}

function convertTool(tool: AnthropicTool, path: string): FunctionTool {
  if (tool.type != null && tool.type !== "custom") {
    throw refusal(
      `${path}.type`,
      `the server tool "${tool.type}" runs only on Anthropic and cannot be translated`,
    );
  }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(tool.name)) {
    throw refusal(`${path}.name`, "tool names are 1-64 characters of letters, digits, '_' or '-'");
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

function unsupportedBlock(block: AnthropicContentBlock, path: string): GatewayError {
  return refusal(`${path}.type`, `"${block.type}" blocks cannot be translated to the internal chat shape`);
}

function refusal(param: string, reason: string): GatewayError {
  return new GatewayError("GW_ERR_INVALID_REQUEST", `Invalid request: ${param}: ${reason}.`, { param });
}
