import type {
  ChatMessage,
  ChatRequest,
  ContentPart,
  FunctionTool,
  ResponseFormat,
  ToolChoice,
} from "../../core/chat.js";
import type {
  ResponsesContentPart,
  ResponsesFunctionTool,
  ResponsesInputItem,
  ResponsesRequest,
  ResponsesTool,
} from "./responses-request-schema.js";

/** A field the internal shape cannot carry, and why. */
export interface Untranslatable {
  param: string;
  message: string;
}

/**
 * Hosted tools a client offers on every call (Codex sends `web_search` with
 * each request): a translated deployment cannot run them, so they are left
 * out of its request, and the answer's `x-llm-gateway-dropped-tools` header
 * names them. Any other hosted tool is untranslatable.
 */
const droppableHostedTools = new Set(["web_search", "web_search_preview"]);

export interface TranslatedResponsesRequest {
  request: ChatRequest;
  /** The first field the translation could not carry: only OpenAI deployments may answer. */
  untranslatable?: Untranslatable;
  /** Hosted tools left out of the translation (`tools.N.type` values). */
  droppedTools: string[];
  /** Functions offered inside a `namespace` entry, by name: their calls go back with that namespace. */
  namespaces: Map<string, string>;
}

/**
 * A Responses request as the internal chat shape (OpenAI Chat Completions),
 * for deployments that do not speak the Responses API.
 *
 * What it carries (README, "OpenAI Responses API"):
 * - translated: `instructions`, `input` as a string or items (messages of
 *   every role with input_text / output_text / input_image parts,
 *   function_call and function_call_output), function tools (also inside
 *   `namespace` entries), `tool_choice`, `text.format`, `max_output_tokens`,
 *   `temperature`, `top_p`, `user` / `safety_identifier`;
 * - hints that change cost, latency or storage but not what is asked,
 *   ignored on the translated path: `reasoning`, earlier turns' reasoning
 *   items, `include`, `prompt_cache_key`, `store`, `metadata`,
 *   `text.verbosity`, `service_tier`, `truncation`, `parallel_tool_calls: true`;
 * - dropped and named in a header: `web_search` tools;
 * - untranslatable, named: other hosted tools and their call items,
 *   `previous_response_id`, `conversation`, `prompt`, `background`,
 *   `max_tool_calls`, `parallel_tool_calls: false`, file inputs, images by
 *   file id, item references.
 */
export function translateResponsesRequest(body: ResponsesRequest): TranslatedResponsesRequest {
  const losses: Untranslatable[] = [];
  const lose: Lose = (param, message) => losses.push({ param, message });
  noteUntranslatableOptions(body, lose);
  const droppedTools: string[] = [];
  const namespaces = new Map<string, string>();
  const tools = convertTools(body.tools ?? [], lose, { dropped: droppedTools, namespaces });
  const toolChoice = convertToolChoice(body.tool_choice, lose);
  const responseFormat = convertTextFormat(body.text?.format);
  const user = body.user ?? body.safety_identifier;
  const request: ChatRequest = {
    messages: convertInput(body, lose),
    ...(body.max_output_tokens != null ? { max_tokens: body.max_output_tokens } : {}),
    ...(body.temperature != null ? { temperature: body.temperature } : {}),
    ...(body.top_p != null ? { top_p: body.top_p } : {}),
    ...(tools.length > 0 ? { tools } : {}),
    ...(toolChoice && tools.length > 0 ? { tool_choice: toolChoice } : {}),
    ...(responseFormat ? { response_format: responseFormat } : {}),
    ...(user ? { user } : {}),
  };
  return { request, ...(losses[0] ? { untranslatable: losses[0] } : {}), droppedTools, namespaces };
}

type Lose = (param: string, message: string) => void;

function noteUntranslatableOptions(body: ResponsesRequest, lose: Lose): void {
  if (body.previous_response_id) {
    lose(
      "previous_response_id",
      "it names a response only OpenAI stores; send the whole conversation as `input`",
    );
  }
  if (body.conversation != null) lose("conversation", "conversations are stored by OpenAI only");
  if (body.prompt != null) lose("prompt", "prompt templates are stored by OpenAI only");
  if (body.background) lose("background", "background responses run on OpenAI only");
  if (body.max_tool_calls != null) lose("max_tool_calls", "it limits OpenAI's hosted tools");
  if (body.parallel_tool_calls === false) {
    lose("parallel_tool_calls", "turning parallel tool calls off cannot be translated");
  }
}

function convertInput(body: ResponsesRequest, lose: Lose): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (body.instructions) messages.push({ role: "system", content: body.instructions });
  if (typeof body.input === "string") {
    messages.push({ role: "user", content: body.input });
    return messages;
  }
  for (const [index, item] of body.input.entries()) convertItem(item, `input.${index}`, messages, lose);
  return messages;
}

function convertItem(item: ResponsesInputItem, path: string, messages: ChatMessage[], lose: Lose): void {
  if (!("type" in item) || item.type === undefined || item.type === "message") {
    const message = item as Extract<ResponsesInputItem, { role: string }>;
    const content = convertContent(message.content, `${path}.content`, lose);
    messages.push({ role: message.role, content });
    return;
  }
  if (item.type === "function_call") {
    const call = item as Extract<ResponsesInputItem, { type: "function_call" }>;
    const toolCall = {
      id: call.call_id,
      type: "function" as const,
      function: { name: call.name, arguments: call.arguments },
    };
    // Chat Completions puts an assistant turn's text and its calls in one message.
    const last = messages.at(-1);
    if (last?.role === "assistant") last.tool_calls = [...(last.tool_calls ?? []), toolCall];
    else messages.push({ role: "assistant", content: null, tool_calls: [toolCall] });
    return;
  }
  if (item.type === "function_call_output") {
    const output = item as Extract<ResponsesInputItem, { type: "function_call_output" }>;
    messages.push({
      role: "tool",
      tool_call_id: output.call_id,
      content: outputText(output.output, path, lose),
    });
    return;
  }
  // Earlier turns' reasoning: encrypted for OpenAI alone, and not context other providers read.
  if (item.type === "reasoning") return;
  lose(`${path}.type`, `"${item.type}" items cannot be translated to the internal chat shape`);
}

function convertContent(
  content: string | ResponsesContentPart[],
  path: string,
  lose: Lose,
): string | ContentPart[] {
  if (typeof content === "string") return content;
  const parts = content.flatMap((part, index): ContentPart[] => {
    if (
      (part.type === "input_text" || part.type === "output_text" || part.type === "text") &&
      part.text != null
    ) {
      return [{ type: "text", text: part.text }];
    }
    if (part.type === "refusal" && part.refusal != null) return [{ type: "text", text: part.refusal }];
    if (part.type === "input_image" && part.image_url) {
      return [
        {
          type: "image_url",
          image_url: { url: part.image_url, ...(part.detail ? { detail: part.detail } : {}) },
        },
      ];
    }
    const why =
      part.type === "input_image" ? "images by file_id are stored by OpenAI only" : "it cannot be translated";
    lose(`${path}.${index}.type`, `"${part.type}" parts: ${why}`);
    return [];
  });
  return parts.every((part) => part.type === "text")
    ? parts.map((part) => (part as { text: string }).text).join("")
    : parts;
}

function outputText(output: string | ResponsesContentPart[], path: string, lose: Lose): string {
  if (typeof output === "string") return output;
  return output
    .flatMap((part, index) => {
      if (part.text != null && (part.type === "input_text" || part.type === "output_text"))
        return [part.text];
      // Chat Completions tool messages carry text only.
      lose(
        `${path}.output.${index}.type`,
        `"${part.type}" parts in a function_call_output cannot be translated`,
      );
      return [];
    })
    .join("");
}

/**
 * Functions, with those inside `namespace` entries flattened: the other
 * providers know no namespaces, so a name may then stand for one function only.
 */
function convertTools(
  tools: ResponsesTool[],
  lose: Lose,
  found: { dropped: string[]; namespaces: Map<string, string> },
): FunctionTool[] {
  const names = new Set<string>();
  const add = (tool: ResponsesFunctionTool, path: string, namespace?: string): FunctionTool[] => {
    if (names.has(tool.name)) {
      lose(`${path}.name`, `"${tool.name}" names two functions once namespaces are flattened`);
      return [];
    }
    names.add(tool.name);
    if (namespace) found.namespaces.set(tool.name, namespace);
    return [convertFunctionTool(tool)];
  };
  return tools.flatMap((tool, index): FunctionTool[] => {
    const path = `tools.${index}`;
    if (tool.type === "function") return add(tool as ResponsesFunctionTool, path);
    if (tool.type === "namespace") {
      const { name, tools: inner } = tool as { name?: string | null; tools: Array<{ type: string }> };
      return inner.flatMap((entry, innerIndex) => {
        const innerPath = `${path}.tools.${innerIndex}`;
        if (entry.type === "function" && typeof (entry as { name?: unknown }).name === "string") {
          return add(entry as ResponsesFunctionTool, innerPath, name ?? undefined);
        }
        lose(`${innerPath}.type`, `"${entry.type}" tools cannot be translated`);
        return [];
      });
    }
    if (droppableHostedTools.has(tool.type)) {
      found.dropped.push(tool.type);
      return [];
    }
    lose(`${path}.type`, `the hosted tool "${tool.type}" runs only on OpenAI`);
    return [];
  });
}

function convertFunctionTool(tool: ResponsesFunctionTool): FunctionTool {
  return {
    type: "function",
    function: {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      parameters: tool.parameters ?? { type: "object", properties: {} },
      ...(tool.strict != null ? { strict: tool.strict } : {}),
    },
  };
}

function convertToolChoice(choice: ResponsesRequest["tool_choice"], lose: Lose): ToolChoice | undefined {
  if (choice == null) return undefined;
  if (typeof choice === "string") return choice;
  if (choice.type === "function" && typeof choice.name === "string") {
    return { type: "function", function: { name: choice.name } };
  }
  lose("tool_choice.type", `tool_choice "${choice.type}" cannot be translated`);
  return undefined;
}

function convertTextFormat(
  format: NonNullable<ResponsesRequest["text"]>["format"],
): ResponseFormat | undefined {
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  const schemaFormat = format as {
    name: string;
    description?: string | null;
    schema: Record<string, unknown>;
    strict?: boolean | null;
  };
  return {
    type: "json_schema",
    json_schema: {
      name: schemaFormat.name,
      ...(schemaFormat.description ? { description: schemaFormat.description } : {}),
      schema: schemaFormat.schema,
      ...(schemaFormat.strict != null ? { strict: schemaFormat.strict } : {}),
    },
  };
}
