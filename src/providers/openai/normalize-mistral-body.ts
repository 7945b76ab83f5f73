/*
 * Mistral's answers in OpenAI's shape. Where they differ
 * (docs.mistral.ai/api, `@mistralai/mistralai` `AssistantMessage`,
 * `DeltaMessage`, `ToolCall`): `content` may be a list of chunks, with the
 * reasoning of Magistral models as `{type: "thinking", thinking: [text chunks]}`;
 * a tool call's `arguments` may be an object and its `index` may be missing
 * (Mistral streams each call whole, in one delta); a non-streamed answer that
 * filled the context window says `model_length`, and a stream that failed says
 * `error` in its finish reason.
 */

interface MistralChoice {
  message?: MistralMessage;
  delta?: MistralMessage;
  finish_reason?: unknown;
}

interface MistralMessage {
  content?: unknown;
  reasoning_content?: unknown;
  tool_calls?: unknown;
}

interface ContentChunk {
  type?: unknown;
  text?: unknown;
  thinking?: unknown;
}

/** A response body or stream chunk, rewritten in place where Mistral's shape is not OpenAI's. */
export function normalizeMistralBody(body: unknown): unknown {
  if (typeof body !== "object" || body === null) return body;
  const choices = (body as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return body;
  for (const choice of choices as MistralChoice[]) {
    if (choice.finish_reason === "error") {
      // A generation that failed after the headers went out: an in-band error the router can act on.
      return {
        error: { message: "Mistral ended the stream with finish_reason `error`", type: "server_error" },
      };
    }
    if (choice.finish_reason === "model_length") choice.finish_reason = "length";
    const message = choice.message ?? choice.delta;
    if (message) normalizeMessage(message);
  }
  return body;
}

function normalizeMessage(message: MistralMessage): void {
  if (Array.isArray(message.content)) {
    let text = "";
    let thinking = "";
    for (const chunk of message.content as ContentChunk[]) {
      if (chunk.type === "thinking" && Array.isArray(chunk.thinking)) {
        thinking += (chunk.thinking as ContentChunk[]).map((part) => textOf(part)).join("");
      } else {
        text += textOf(chunk);
      }
    }
    message.content = text;
    if (thinking) message.reasoning_content = thinking;
  }
  if (Array.isArray(message.tool_calls)) {
    message.tool_calls = message.tool_calls.map((call: Record<string, unknown>, position: number) => {
      const fn = call.function as { name?: unknown; arguments?: unknown } | undefined;
      const args = fn?.arguments;
      return {
        ...call,
        index: typeof call.index === "number" ? call.index : position,
        ...(fn
          ? { function: { ...fn, arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}) } }
          : {}),
      };
    });
  }
}

function textOf(chunk: ContentChunk): string {
  return chunk.type === "text" || chunk.type === undefined ? String(chunk.text ?? "") : "";
}
