import type { ChatMessage, ContentPart, ToolCall } from "../../core/chat.js";
import { UpstreamError } from "../../core/upstream-error.js";
import type { GoogleContent, GooglePart } from "./google-api.js";
import { skipThoughtSignature } from "./google-thought-signature.js";

export interface GoogleMessages {
  systemInstruction?: { parts: Array<{ text: string }> };
  contents: GoogleContent[];
}

export interface GoogleMessageOptions {
  provider: string;
  /**
   * Gemini 3 rejects replayed function calls without a `thoughtSignature`.
   * A call Gemini signed carries its signature back in `extra_content`; an
   * unsigned first call of a step gets the sentinel Google documents for
   * history it did not sign (ai.google.dev/gemini-api/docs/thought-signatures).
   */
  signFunctionCalls: boolean;
}

/**
 * OpenAI chat messages as Gemini `contents`: system and developer messages
 * become `systemInstruction`, assistant turns `model` turns, tool results
 * `functionResponse` parts of a user turn; consecutive turns of one role are
 * merged. Throws an UpstreamError of kind `request` for input Gemini cannot take.
 */
export function convertToGoogleMessages(
  messages: ChatMessage[],
  options: GoogleMessageOptions,
): GoogleMessages {
  const system: Array<{ text: string }> = [];
  const contents: GoogleContent[] = [];
  const push = (role: GoogleContent["role"], parts: GooglePart[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };

  for (const [index, message] of messages.entries()) {
    switch (message.role) {
      case "system":
      case "developer": {
        const text = textOf(message.content);
        if (text) system.push({ text });
        break;
      }
      case "user":
        push("user", convertUserContent(message.content, options.provider));
        break;
      case "assistant":
        push("model", convertAssistantMessage(message, options));
        break;
      case "tool":
        push("user", [convertToolResult(message, messages.slice(0, index), options.provider)]);
        break;
    }
  }
  return system.length > 0 ? { systemInstruction: { parts: system }, contents } : { contents };
}

function convertUserContent(content: ChatMessage["content"], provider: string): GooglePart[] {
  if (content === null) return [];
  if (typeof content === "string") return content ? [{ text: content }] : [];
  return content.flatMap((part): GooglePart[] => {
    if (part.type === "text") return part.text ? [{ text: part.text }] : [];
    return [convertImageUrl(part.image_url.url, provider)];
  });
}

/**
 * data: URLs travel inline; http(s) URLs go as `fileData` for Gemini to
 * fetch itself: the gateway never fetches a caller's URL (SSRF).
 */
function convertImageUrl(url: string, provider: string): GooglePart {
  const dataUrl = /^data:([^;,]+)(?:;[^;,]+)*;base64,(.+)$/s.exec(url);
  if (dataUrl) return { inlineData: { mimeType: dataUrl[1] as string, data: dataUrl[2] as string } };
  if (/^https?:\/\//i.test(url)) return { fileData: { mimeType: imageMimeTypeOf(url), fileUri: url } };
  throw invalidRequest(provider, "an image_url must be an http(s) URL or a base64 data: URL");
}

const imageMimeTypes: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  heic: "image/heic",
  heif: "image/heif",
};

/** Gemini requires a MIME type with `fileData`; OpenAI's image_url has none, so the extension decides. */
function imageMimeTypeOf(url: string): string {
  const path = URL.canParse(url) ? new URL(url).pathname : url;
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase() ?? "";
  return imageMimeTypes[extension] ?? "image/jpeg";
}

function convertAssistantMessage(message: ChatMessage, options: GoogleMessageOptions): GooglePart[] {
  const parts: GooglePart[] = [];
  const text = textOf(message.content);
  if (text) parts.push({ text });
  for (const [index, call] of (message.tool_calls ?? []).entries()) {
    const functionCall = { name: call.function.name, args: parseArguments(call, options.provider) };
    // Gemini signs only the first function call of a step.
    const signature =
      call.extra_content?.google?.thought_signature ??
      (options.signFunctionCalls && index === 0 ? skipThoughtSignature : undefined);
    parts.push(signature ? { functionCall, thoughtSignature: signature } : { functionCall });
  }
  return parts;
}

function parseArguments(call: ToolCall, provider: string): Record<string, unknown> {
  if (call.function.arguments.trim() === "") return {};
  try {
    const args: unknown = JSON.parse(call.function.arguments);
    if (isObject(args)) return args;
  } catch {
    // reported below
  }
  throw invalidRequest(
    provider,
    `the arguments of tool call ${call.id} (${call.function.name}) must be a JSON object`,
  );
}

/**
 * Gemini matches a function response to its call by function name, which
 * OpenAI's tool message does not carry: it comes from the latest earlier
 * assistant tool call with the same id.
 */
function convertToolResult(message: ChatMessage, earlier: ChatMessage[], provider: string): GooglePart {
  const call = earlier
    .findLast((candidate) => candidate.tool_calls?.some((toolCall) => toolCall.id === message.tool_call_id))
    ?.tool_calls?.find((toolCall) => toolCall.id === message.tool_call_id);
  if (!call) {
    throw invalidRequest(
      provider,
      `tool message ${message.tool_call_id ?? "(no tool_call_id)"} answers no earlier assistant tool call`,
    );
  }
  return {
    functionResponse: { name: call.function.name, response: toResponseObject(textOf(message.content)) },
  };
}

/**
 * `functionResponse.response` must be a JSON object; anything else goes under
 * `output`, the key Gemini documents for a function's output.
 */
function toResponseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : { output: value };
  } catch {
    return { output: text };
  }
}

function textOf(content: ChatMessage["content"]): string {
  if (content === null) return "";
  if (typeof content === "string") return content;
  return content
    .filter((part): part is Extract<ContentPart, { type: "text" }> => part.type === "text")
    .map((part) => part.text)
    .join("\n");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalidRequest(provider: string, message: string): UpstreamError {
  return new UpstreamError({
    provider,
    kind: "request",
    message: `${provider} cannot take this request: ${message}`,
  });
}
