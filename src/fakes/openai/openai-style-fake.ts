import { fakeEmbeddingVector } from "../fake-embedding-vector.js";
import { type FakeProvider, type FakeReplies, type FakeUsage, retryAfterHeaders } from "../fake-provider.js";
import {
  type FakeJsonResponse,
  type FakeResponse,
  type FakeRoute,
  type FakeSseEvent,
  FakeUpstreamServer,
  type RecordedCall,
} from "../fake-upstream-server.js";

/*
 * The Chat Completions wire format that OpenAI defines and DeepSeek copies,
 * parametrised by what differs between the two (paths, ids, usage fields,
 * where stream usage goes). fake-openai.ts and fake-deepseek.ts are flavours of it.
 */

export interface OpenAiStyleFlavor {
  /** Chat route, and one concrete path on it to queue responses under. */
  chatPath: RegExp;
  chatQueuePath: string;
  /** Embeddings route, for upstreams that have one, and (for a pattern) one concrete path on it to queue under. */
  embeddingsPath?: string | RegExp;
  embeddingsQueuePath?: string;
  /** Appended to the server URL to make the base URL clients configure. */
  basePath: string;
  /** The model scripted replies report (default answers report the requested one). */
  scriptedModel: string;
  newCompletionId(): string;
  /** The wire usage object for these counts. */
  usage(usage: FakeTokenUsage): Record<string, unknown>;
  /** DeepSeek puts stream usage on the finish chunk and always sends it; OpenAI sends a `choices: []` chunk when asked. */
  usageOnFinishChunk: boolean;
  /** `type` and `code` of the error envelope for a status. */
  errorLabels(status: number): { type: string; code: string | null };
  /** Headers on every answer (OpenAI's `x-request-id`). */
  headers(): Record<string, string>;
  /** More endpoints of this upstream (OpenAI's Responses API). */
  extraRoutes?: FakeRoute[];
  /** Reasoning the default responder gives a model before its answer (DeepSeek's reasoner). */
  defaultReasoning?(model: string): string | undefined;
  /** The upstream's own request checks: a refusal message for a body it answers 400 to. */
  refusalOf?(body: Record<string, unknown>): string | undefined;
  /** Checks of the whole call before the body's (Azure: its key, api-version and deployment): the answer to refuse it with. */
  refuseCall?(call: RecordedCall, endpoint: "chat" | "embeddings"): FakeResponse | undefined;
  /** The error envelope for a status, where it is not OpenAI's `{error: {message, type, param, code}}`. */
  errorBody?(status: number, message: string): unknown;
  /** Fields the upstream adds to a non-streamed answer (Azure's content filter results). */
  annotateCompletion?(body: Record<string, unknown>): Record<string, unknown>;
  /** Events the upstream adds to or changes in a stream (Azure's prompt filter chunk first). */
  annotateStream?(events: FakeSseEvent[]): FakeSseEvent[];
}

/** FakeUsage plus the reasoning tokens o-series and DeepSeek reasoner answers report. */
export type FakeTokenUsage = FakeUsage & { reasoningTokens?: number };

export interface FakeToolCall {
  id: string;
  name: string;
  argumentsJson: string;
}

export interface FakeAnswer {
  content?: string | null;
  reasoning?: string;
  toolCalls?: FakeToolCall[];
  finishReason?: string;
  usage?: FakeTokenUsage;
  model?: string;
}

export interface FakeStreamAnswer {
  pieces: string[];
  reasoningPieces?: string[];
  /** Each call streams its arguments in `argumentPieces` fragments. */
  toolCalls?: Array<FakeToolCall & { argumentPieces?: string[] }>;
  finishReason?: string;
  /** `null` streams no usage, as OpenAI does unless asked. */
  usage?: FakeTokenUsage | null;
  model?: string;
}

export type FakeStreamOptions = { chunkDelayMs?: number; delayMs?: number; cutAfter?: number };

const defaultUsage: FakeUsage = { inputTokens: 12, outputTokens: 6 };

export async function createOpenAiStyleFake(flavor: OpenAiStyleFlavor): Promise<FakeProvider> {
  const { embeddingsPath } = flavor;
  const routes: FakeRoute[] = [
    {
      path: flavor.chatPath,
      respond: (call) => answerChat(flavor, call),
      streamed: (call, answer) => streamedCompletion(flavor, call, answer),
      refuse: (call) => {
        const refusedCall = flavor.refuseCall?.(call, "chat");
        if (refusedCall) return refusedCall;
        const body = typeof call.body === "object" && call.body !== null ? call.body : {};
        const refusal = flavor.refusalOf?.(body as Record<string, unknown>);
        return refusal ? openAiStyleReplies(flavor).error(400, refusal) : undefined;
      },
    },
  ];
  if (embeddingsPath) {
    routes.push({
      path: embeddingsPath,
      respond: (call) => answerEmbeddings(flavor, call),
      refuse: (call) => flavor.refuseCall?.(call, "embeddings"),
    });
  }
  routes.push(...(flavor.extraRoutes ?? []));
  const server = await new FakeUpstreamServer(routes).listen();
  const fake: FakeProvider = {
    server,
    baseUrl: `${server.url}${flavor.basePath}`,
    replies: openAiStyleReplies(flavor),
    enqueueChat: (...responses) => server.enqueue(flavor.chatQueuePath, ...responses),
    chatCalls: () => server.callsTo(flavor.chatPath),
    close: () => server.close(),
  };
  if (embeddingsPath) {
    const queuePath = flavor.embeddingsQueuePath ?? String(embeddingsPath);
    fake.enqueueEmbeddings = (...responses) => server.enqueue(queuePath, ...responses);
    fake.embeddingCalls = () => server.callsTo(embeddingsPath);
  }
  return fake;
}

export function openAiStyleReplies(flavor: OpenAiStyleFlavor): FakeReplies {
  return {
    text: (content, usage = defaultUsage) => completionReply(flavor, { content, usage }),
    toolCall: (name, argumentsJson, usage = defaultUsage) =>
      completionReply(flavor, {
        content: null,
        toolCalls: [{ id: "call_fake0000000000000001", name, argumentsJson }],
        finishReason: "tool_calls",
        usage,
      }),
    stream: (pieces, options = {}) =>
      streamReply(flavor, { pieces, usage: options.usage ?? defaultUsage }, options),
    streamError: (pieces, options = {}) => {
      // The role chunk and the pieces, then what OpenAI sends when generation fails after the headers went out.
      const events = streamEvents(flavor, { pieces, usage: null }).slice(0, pieces.length + 1);
      const error = errorBody(
        flavor,
        500,
        "The server had an error while processing your request. Sorry about that!",
      );
      return sse(flavor, [...events, { data: JSON.stringify(error) }], options);
    },
    error: (status, message, options = {}) => ({
      type: "json",
      status,
      headers: { ...flavor.headers(), ...retryAfterHeaders(options.retryAfterSeconds) },
      body: errorBody(flavor, status, message),
    }),
  };
}

/** A non-streamed answer with anything the wire format carries (reasoning, several tool calls, finish reason). */
export function completionReply(flavor: OpenAiStyleFlavor, answer: FakeAnswer): FakeResponse {
  return { type: "json", headers: flavor.headers(), body: completionBody(flavor, answer) };
}

/** A streamed answer: reasoning, content pieces, tool-call fragments, finish, usage, `[DONE]`. */
export function streamReply(
  flavor: OpenAiStyleFlavor,
  answer: FakeStreamAnswer,
  options: FakeStreamOptions = {},
): FakeResponse {
  return sse(flavor, streamEvents(flavor, answer), options);
}

function sse(flavor: OpenAiStyleFlavor, events: FakeSseEvent[], options: FakeStreamOptions): FakeResponse {
  return {
    type: "sse",
    headers: flavor.headers(),
    events: flavor.annotateStream ? flavor.annotateStream(events) : events,
    chunkDelayMs: options.chunkDelayMs,
    delayMs: options.delayMs,
    cutAfter: options.cutAfter,
  };
}

function completionBody(flavor: OpenAiStyleFlavor, answer: FakeAnswer): unknown {
  const body = plainCompletionBody(flavor, answer);
  return flavor.annotateCompletion ? flavor.annotateCompletion(body) : body;
}

function plainCompletionBody(flavor: OpenAiStyleFlavor, answer: FakeAnswer): Record<string, unknown> {
  const toolCalls = answer.toolCalls ?? [];
  return {
    id: flavor.newCompletionId(),
    object: "chat.completion",
    created: nowSeconds(),
    model: answer.model ?? flavor.scriptedModel,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: answer.content === undefined ? "" : answer.content,
          ...(answer.reasoning !== undefined ? { reasoning_content: answer.reasoning } : {}),
          ...(toolCalls.length > 0
            ? {
                tool_calls: toolCalls.map((call) => ({
                  id: call.id,
                  type: "function",
                  function: { name: call.name, arguments: call.argumentsJson },
                })),
              }
            : {}),
          refusal: null,
        },
        logprobs: null,
        finish_reason: answer.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop"),
      },
    ],
    usage: flavor.usage(answer.usage ?? defaultUsage),
    system_fingerprint: "fp_fake0000001",
  };
}

function streamEvents(flavor: OpenAiStyleFlavor, answer: FakeStreamAnswer): FakeSseEvent[] {
  const toolCalls = answer.toolCalls ?? [];
  return chunkEvents({
    id: flavor.newCompletionId(),
    created: nowSeconds(),
    model: answer.model ?? flavor.scriptedModel,
    systemFingerprint: "fp_fake0000001",
    reasoningPieces: answer.reasoningPieces ?? [],
    pieces: answer.pieces,
    toolCalls,
    finishReason: answer.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop"),
    usage: answer.usage === null ? null : flavor.usage(answer.usage ?? defaultUsage),
    usageOnFinishChunk: flavor.usageOnFinishChunk,
  });
}

/** Everything one streamed completion says, its usage already in wire form (null: streamed without usage). */
interface StreamedCompletion {
  id: string;
  created: number;
  model: string;
  systemFingerprint: unknown;
  reasoningPieces: string[];
  pieces: string[];
  toolCalls: Array<FakeToolCall & { argumentPieces?: string[] }>;
  finishReason: string;
  usage: unknown;
  usageOnFinishChunk: boolean;
}

function chunkEvents(completion: StreamedCompletion): FakeSseEvent[] {
  const { usage } = completion;
  const envelope = (choices: unknown[], chunkUsage: unknown) => ({
    data: JSON.stringify({
      id: completion.id,
      object: "chat.completion.chunk",
      created: completion.created,
      model: completion.model,
      system_fingerprint: completion.systemFingerprint,
      choices,
      ...(chunkUsage !== undefined ? { usage: chunkUsage } : {}),
    }),
  });
  // With usage on, every chunk carries `usage: null` until the one that has it.
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null, withUsage = false) =>
    envelope(
      [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      usage ? (withUsage ? usage : null) : undefined,
    );
  // A bare tool-call answer opens with `content: null`, as OpenAI's does.
  const toolCallsOnly = completion.pieces.length === 0 && completion.toolCalls.length > 0;
  const events: FakeSseEvent[] = [
    chunk({ role: "assistant", content: toolCallsOnly ? null : "", refusal: null }),
  ];
  for (const piece of completion.reasoningPieces)
    events.push(chunk({ content: null, reasoning_content: piece }));
  for (const piece of completion.pieces) events.push(chunk({ content: piece }));
  for (const [index, call] of completion.toolCalls.entries()) {
    events.push(
      chunk({
        tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }],
      }),
    );
    for (const fragment of call.argumentPieces ?? [call.argumentsJson]) {
      events.push(chunk({ tool_calls: [{ index, function: { arguments: fragment } }] }));
    }
  }
  events.push(chunk({}, completion.finishReason, completion.usageOnFinishChunk));
  if (usage && !completion.usageOnFinishChunk) events.push(envelope([], usage));
  events.push({ data: "[DONE]" });
  return events;
}

interface WireCompletion {
  id?: unknown;
  created?: unknown;
  model?: unknown;
  system_fingerprint?: unknown;
  usage?: unknown;
  choices?: Array<{
    finish_reason?: unknown;
    message?: {
      content?: unknown;
      reasoning_content?: unknown;
      tool_calls?: Array<{ id?: unknown; function?: { name?: unknown; arguments?: unknown } }>;
    };
  }>;
}

/**
 * The stream a call asking for one (`stream: true`) gets instead of a
 * scripted non-streamed completion: the same id, model, reasoning, content,
 * tool calls, finish reason and usage, the usage only where this upstream
 * streams it. A body that is no single-choice completion is left as it is.
 */
function streamedCompletion(
  flavor: OpenAiStyleFlavor,
  call: RecordedCall,
  answer: FakeJsonResponse,
): FakeResponse | undefined {
  const request = call.body as ChatBody | undefined;
  if (request?.stream !== true) return undefined;
  const completion = answer.body as WireCompletion | undefined;
  const choice = completion?.choices?.length === 1 ? completion.choices[0] : undefined;
  const message = choice?.message;
  if (!completion || typeof message !== "object" || message === null) return undefined;
  const text = (value: unknown) => (typeof value === "string" ? value : "");
  const wantsUsage = flavor.usageOnFinishChunk || request.stream_options?.include_usage === true;
  const reasoning = text(message.reasoning_content);
  const events = chunkEvents({
    id: text(completion.id),
    created: typeof completion.created === "number" ? completion.created : nowSeconds(),
    model: text(completion.model),
    systemFingerprint: completion.system_fingerprint ?? null,
    reasoningPieces: reasoning ? splitIntoPieces(reasoning) : [],
    pieces: text(message.content) ? splitIntoPieces(text(message.content)) : [],
    toolCalls: (Array.isArray(message.tool_calls) ? message.tool_calls : []).map((toolCall) => ({
      id: text(toolCall.id),
      name: text(toolCall.function?.name),
      argumentsJson: text(toolCall.function?.arguments),
    })),
    finishReason: text(choice?.finish_reason) || "stop",
    usage: wantsUsage ? (completion.usage ?? null) : null,
    usageOnFinishChunk: flavor.usageOnFinishChunk,
  });
  const annotated = flavor.annotateStream ? flavor.annotateStream(events) : events;
  return { type: "sse", headers: answer.headers, events: annotated, delayMs: answer.delayMs };
}

function errorBody(flavor: OpenAiStyleFlavor, status: number, message: string): unknown {
  if (flavor.errorBody) return flavor.errorBody(status, message);
  return { error: { message, ...flavor.errorLabels(status), param: null } };
}

interface ChatBody {
  model?: unknown;
  messages?: unknown;
  response_format?: { type?: string } | null;
  stream?: unknown;
  stream_options?: { include_usage?: unknown } | null;
}

function answerChat(flavor: OpenAiStyleFlavor, call: RecordedCall): FakeResponse {
  const body = call.body as ChatBody | undefined;
  if (!body || !Array.isArray(body.messages) || body.messages.length === 0) {
    return openAiStyleReplies(flavor).error(400, "'messages' is a required property and must not be empty");
  }
  const model = typeof body.model === "string" ? body.model : flavor.scriptedModel;
  const greeting = `Hello from fake ${model}`;
  // JSON mode answers JSON, as the real models do.
  const content = body.response_format?.type?.startsWith("json")
    ? JSON.stringify({ answer: greeting })
    : greeting;
  const reasoning = flavor.defaultReasoning?.(model);
  const usage = {
    inputTokens: estimateTokens(promptText(body.messages)),
    outputTokens: estimateTokens(content) + (reasoning ? estimateTokens(reasoning) : 0),
    ...(reasoning ? { reasoningTokens: estimateTokens(reasoning) } : {}),
  };
  if (body.stream !== true) return completionReply(flavor, { content, reasoning, usage, model });
  const wantsUsage = flavor.usageOnFinishChunk || body.stream_options?.include_usage === true;
  return streamReply(flavor, {
    pieces: splitIntoPieces(content),
    reasoningPieces: reasoning ? splitIntoPieces(reasoning) : undefined,
    usage: wantsUsage ? usage : null,
    model,
  });
}

interface EmbeddingsBody {
  model?: unknown;
  input?: unknown;
  dimensions?: unknown;
  encoding_format?: unknown;
}

/** text-embedding-3-large answers 3072 dimensions, the others 1536, unless asked for fewer. */
function answerEmbeddings(flavor: OpenAiStyleFlavor, call: RecordedCall): FakeResponse {
  const body = call.body as EmbeddingsBody | undefined;
  const input = typeof body?.input === "string" ? [body.input] : body?.input;
  if (!Array.isArray(input) || input.length === 0 || !input.every((text) => typeof text === "string")) {
    return openAiStyleReplies(flavor).error(400, "'input' must be a non-empty string or array of strings");
  }
  const model = typeof body?.model === "string" ? body.model : "text-embedding-3-small";
  const dimensions =
    typeof body?.dimensions === "number" ? body.dimensions : model.endsWith("-large") ? 3072 : 1536;
  const vectors = input.map((text) => fakeEmbeddingVector(text, dimensions));
  const tokens = input.reduce((sum, text) => sum + estimateTokens(text), 0);
  return openAiEmbeddingsReply(vectors, {
    model,
    promptTokens: tokens,
    base64: body?.encoding_format === "base64",
  });
}

/**
 * An embeddings answer. With `base64`, vectors are little-endian float32
 * bytes in base64, which the official SDK asks for by default.
 */
export function openAiEmbeddingsReply(
  vectors: number[][],
  options: { model?: string; promptTokens?: number; base64?: boolean } = {},
): FakeResponse {
  const promptTokens = options.promptTokens ?? vectors.length;
  return {
    type: "json",
    body: {
      object: "list",
      data: vectors.map((vector, index) => ({
        object: "embedding",
        index,
        embedding: options.base64 ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector,
      })),
      model: options.model ?? "text-embedding-3-small",
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    },
  };
}

function promptText(messages: unknown[]): string {
  return messages
    .map((message) => {
      const content = (message as { content?: unknown }).content;
      if (typeof content === "string") return content;
      return Array.isArray(content)
        ? content.map((part) => (part as { text?: unknown }).text ?? JSON.stringify(part)).join("")
        : "";
    })
    .join("\n");
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
