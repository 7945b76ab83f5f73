import { randomBytes } from "node:crypto";
import { fakeEmbeddingVector } from "../fake-embedding-vector.js";
import { type FakeProvider, type FakeReplies, type FakeUsage, retryAfterHeaders } from "../fake-provider.js";
import {
  type FakeJsonResponse,
  type FakeResponse,
  type FakeSseEvent,
  FakeUpstreamServer,
  type RecordedCall,
} from "../fake-upstream-server.js";
import { mistralRefusalOf } from "./mistral-request-checks.js";

/*
 * Mistral's API under `/v1` (docs.mistral.ai/api): Chat Completions with
 * usage on the last chunk of every stream (no `stream_options`), tool calls
 * streamed whole with nine-character ids, `cmpl-` ids without a
 * `system_fingerprint`, Embeddings (`mistral-embed`: 1024 dimensions), and
 * `{object: "error", message, type, param, code}` errors; a request with a
 * field Mistral does not define is a 422 (mistral-request-checks.ts).
 */

const chatPath = "/v1/chat/completions";
const embeddingsPath = "/v1/embeddings";
const defaultUsage: FakeUsage = { inputTokens: 12, outputTokens: 6 };

export interface MistralToolCall {
  id: string;
  name: string;
  argumentsJson: string;
}

export interface MistralAnswer {
  content?: string;
  toolCalls?: MistralToolCall[];
  finishReason?: string;
  usage?: FakeUsage;
  model?: string;
}

export const mistralReplies: FakeReplies = {
  text: (content, usage = defaultUsage) => mistralCompletionReply({ content, usage }),
  toolCall: (name, argumentsJson, usage = defaultUsage) =>
    mistralCompletionReply({ toolCalls: [{ id: "D681PevKs", name, argumentsJson }], usage }),
  stream: (pieces, options = {}) => ({
    type: "sse",
    events: mistralStreamEvents({ content: pieces.join(""), usage: options.usage ?? defaultUsage }, pieces),
    chunkDelayMs: options.chunkDelayMs,
    delayMs: options.delayMs,
    cutAfter: options.cutAfter,
  }),
  // A generation that fails after the headers went out ends with finish_reason `error` and no usage.
  streamError: (pieces, options = {}) => {
    const events = mistralStreamEvents({ content: pieces.join(""), finishReason: "error" }, pieces);
    return { type: "sse", events, chunkDelayMs: options.chunkDelayMs };
  },
  error: (status, message, options = {}) => ({
    type: "json",
    status,
    headers: retryAfterHeaders(options.retryAfterSeconds),
    body: mistralErrorBody(status, message),
  }),
};

export function mistralErrorBody(status: number, message: string): unknown {
  // A 401 is the gateway's own bare body, as Mistral sends it.
  if (status === 401) return { message: "Unauthorized", request_id: randomBytes(16).toString("hex") };
  const type = status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
  return { object: "error", message, type, param: null, code: null };
}

/** A non-streamed answer with content or tool calls (streamed instead when the request asks). */
export function mistralCompletionReply(answer: MistralAnswer): FakeJsonResponse {
  const toolCalls = answer.toolCalls ?? [];
  const usage = answer.usage ?? defaultUsage;
  return {
    type: "json",
    body: {
      id: newCompletionId(),
      object: "chat.completion",
      created: nowSeconds(),
      model: answer.model ?? "mistral-small-latest",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: answer.content ?? "",
            tool_calls: toolCalls.length > 0 ? toolCalls.map(wireToolCall) : null,
            prefix: false,
          },
          finish_reason: answer.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop"),
        },
      ],
      usage: wireUsage(usage),
    },
  };
}

/** Mistral's stream: a role chunk, the content pieces, each tool call whole, then finish and usage together. */
export function mistralStreamEvents(answer: MistralAnswer, pieces = splitIntoPieces(answer.content ?? "")) {
  const id = newCompletionId();
  const created = nowSeconds();
  const model = answer.model ?? "mistral-small-latest";
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null, usage?: FakeUsage) => ({
    data: JSON.stringify({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
      ...(usage ? { usage: wireUsage(usage) } : {}),
    }),
  });
  const toolCalls = answer.toolCalls ?? [];
  const events: FakeSseEvent[] = [chunk({ role: "assistant", content: "" })];
  for (const piece of pieces) events.push(chunk({ content: piece }));
  if (toolCalls.length > 0) events.push(chunk({ tool_calls: toolCalls.map(wireToolCall) }));
  const finish = answer.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop");
  events.push(
    chunk({ content: "" }, finish, finish === "error" ? undefined : (answer.usage ?? defaultUsage)),
  );
  events.push({ data: "[DONE]" });
  return events;
}

export async function createFakeMistral(): Promise<FakeProvider> {
  const server = await new FakeUpstreamServer([
    {
      path: chatPath,
      respond: answerChat,
      refuse: (call) => mistralRefusalOf(call, "chat"),
      streamed: (call, answer) => streamedCompletion(call, answer),
    },
    {
      path: embeddingsPath,
      respond: answerEmbeddings,
      refuse: (call) => mistralRefusalOf(call, "embeddings"),
    },
  ]).listen();
  return {
    server,
    baseUrl: `${server.url}/v1`,
    replies: mistralReplies,
    enqueueChat: (...responses) => server.enqueue(chatPath, ...responses),
    enqueueEmbeddings: (...responses) => server.enqueue(embeddingsPath, ...responses),
    chatCalls: () => server.callsTo(chatPath),
    embeddingCalls: () => server.callsTo(embeddingsPath),
    close: () => server.close(),
  };
}

interface ChatBody {
  model?: unknown;
  messages?: Array<{ content?: unknown }>;
  stream?: unknown;
  response_format?: { type?: unknown };
}

function answerChat(call: RecordedCall): FakeResponse {
  const body = call.body as ChatBody;
  const model = typeof body.model === "string" ? body.model : "mistral-small-latest";
  const greeting = `Hello from fake ${model}`;
  const content =
    typeof body.response_format?.type === "string" && body.response_format.type.startsWith("json")
      ? JSON.stringify({ answer: greeting })
      : greeting;
  const prompt = (body.messages ?? []).map((message) => JSON.stringify(message.content ?? "")).join("\n");
  return mistralCompletionReply({
    content,
    model,
    usage: { inputTokens: estimateTokens(prompt), outputTokens: estimateTokens(content) },
  });
}

/** A scripted non-streamed answer, as the stream a call asking for one gets. */
function streamedCompletion(call: RecordedCall, answer: FakeJsonResponse): FakeResponse | undefined {
  if ((call.body as ChatBody | undefined)?.stream !== true) return undefined;
  const completion = answer.body as {
    model?: string;
    usage?: {
      prompt_tokens: number;
      completion_tokens: number;
      prompt_tokens_details?: { cached_tokens?: number };
    };
    choices?: Array<{
      finish_reason?: string;
      message?: {
        content?: string;
        tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> | null;
      };
    }>;
  };
  const choice = completion.choices?.[0];
  if (!choice?.message) return undefined;
  const usage = completion.usage;
  const events = mistralStreamEvents({
    content: choice.message.content ?? "",
    toolCalls: (choice.message.tool_calls ?? []).map((toolCall) => ({
      id: toolCall.id,
      name: toolCall.function.name,
      argumentsJson: toolCall.function.arguments,
    })),
    finishReason: choice.finish_reason,
    model: completion.model,
    ...(usage
      ? {
          usage: {
            inputTokens: usage.prompt_tokens,
            outputTokens: usage.completion_tokens,
            cachedInputTokens: usage.prompt_tokens_details?.cached_tokens,
          },
        }
      : {}),
  });
  return { type: "sse", headers: answer.headers, events, delayMs: answer.delayMs };
}

function answerEmbeddings(call: RecordedCall): FakeResponse {
  const body = call.body as { model?: unknown; input?: unknown; output_dimension?: unknown };
  const input = typeof body.input === "string" ? [body.input] : (body.input as string[]);
  const dimensions = typeof body.output_dimension === "number" ? body.output_dimension : 1024;
  const tokens = input.reduce((sum, text) => sum + estimateTokens(text), 0);
  return {
    type: "json",
    body: {
      id: randomBytes(16).toString("hex"),
      object: "list",
      data: input.map((text, index) => ({
        object: "embedding",
        embedding: fakeEmbeddingVector(text, dimensions),
        index,
      })),
      model: typeof body.model === "string" ? body.model : "mistral-embed",
      usage: { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0 },
    },
  };
}

function wireToolCall(call: MistralToolCall, index: number) {
  return {
    id: call.id,
    type: "function",
    function: { name: call.name, arguments: call.argumentsJson },
    index,
  };
}

/** docs.mistral.ai prompt caching: cache reads in `prompt_tokens_details.cached_tokens`. */
function wireUsage(usage: FakeUsage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    ...(usage.cachedInputTokens !== undefined
      ? { prompt_tokens_details: { cached_tokens: usage.cachedInputTokens } }
      : {}),
  };
}

function newCompletionId(): string {
  return randomBytes(16).toString("hex");
}

function splitIntoPieces(text: string): string[] {
  return text.split(/(?= )/);
}

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
