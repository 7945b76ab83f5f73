import { type FakeProvider, type FakeReplies, type FakeUsage, retryAfterHeaders } from "../fake-provider.js";
import {
  type FakeJsonResponse,
  type FakeResponse,
  type FakeSseEvent,
  FakeUpstreamServer,
  type RecordedCall,
} from "../fake-upstream-server.js";
import { anthropicRefusalOf, systemMessageRefusalOf } from "./anthropic-request-checks.js";
import { FakePromptCache, maxCacheBreakpoints } from "./fake-anthropic-cache.js";
import { checkThinking, signThinking } from "./fake-anthropic-thinking.js";

/**
 * A fake Anthropic Messages API (POST /v1/messages), wire-exact as documented
 * at https://docs.claude.com/en/api/messages, /streaming and /errors: message
 * bodies, named SSE events with `ping`s, `{type: "error", error: {type, message}}`
 * envelopes with `request-id` and `retry-after` headers.
 */

const messagesPath = "/v1/messages";
const countTokensPath = "/v1/messages/count_tokens";
/** Messages fields that generate rather than describe the prompt: count_tokens refuses them. */
const generationFields = [
  "max_tokens",
  "stream",
  "temperature",
  "top_p",
  "top_k",
  "stop_sequences",
  "metadata",
];
const defaultModel = "claude-sonnet-4-20250514";

/** Anthropic bills cache writes apart; `inputTokens` counts every input token. */
export interface AnthropicFakeUsage extends FakeUsage {
  cacheWriteInputTokens?: number;
  /** The part of the cache writes with a 1-hour TTL. */
  cacheWrite1hInputTokens?: number;
}

export interface AnthropicFakeToolCall {
  name: string;
  argumentsJson: string;
}

export interface AnthropicFakeReplies extends FakeReplies {
  text(content: string, usage?: AnthropicFakeUsage): FakeResponse;
  /** A streamed answer: optional text, then one `tool_use` block per call, arguments in pieces. */
  toolCallStream(
    calls: AnthropicFakeToolCall[],
    options?: { text?: string; usage?: AnthropicFakeUsage },
  ): FakeResponse;
  /** A non-streamed answer ending with this `stop_reason`. */
  textWithStopReason(content: string, stopReason: string, usage?: AnthropicFakeUsage): FakeResponse;
  /** Extended thinking: a signed thinking block (and a redacted one if given), then text. */
  thinkingText(
    thinking: string,
    content: string,
    options?: { redactedData?: string; usage?: AnthropicFakeUsage },
  ): FakeResponse;
  /** Extended thinking then a tool call, as a tool-use turn with thinking on answers. */
  thinkingToolCall(thinking: string, call: AnthropicFakeToolCall, usage?: AnthropicFakeUsage): FakeResponse;
  /** The same, streamed: thinking_delta pieces, a signature_delta, then the tool_use block. */
  thinkingToolCallStream(
    thinkingPieces: string[],
    call: AnthropicFakeToolCall,
    options?: { redactedData?: string; usage?: AnthropicFakeUsage },
  ): FakeResponse;
}

export interface FakeAnthropic extends FakeProvider {
  readonly replies: AnthropicFakeReplies;
  enqueueCountTokens(...responses: FakeResponse[]): void;
  countTokensCalls(): RecordedCall[];
}

export async function createFakeAnthropic(): Promise<FakeAnthropic> {
  const nextId = createIdSource();
  const cache = new FakePromptCache();
  const server = await new FakeUpstreamServer([
    {
      path: messagesPath,
      respond: (call) => respondByDefault(call, nextId, cache),
      streamed: streamedMessage,
      refuse: (call) => {
        const body = (typeof call.body === "object" && call.body !== null ? call.body : {}) as Record<
          string,
          unknown
        >;
        const refusal = anthropicRefusalOf(body);
        return refusal ? createReplies(defaultModel, nextId).error(400, refusal) : undefined;
      },
    },
    { path: countTokensPath, respond: (call) => countByDefault(call, nextId) },
  ]).listen();
  return {
    server,
    baseUrl: server.url,
    replies: createReplies(defaultModel, nextId),
    enqueueChat: (...responses) => server.enqueue(messagesPath, ...responses),
    chatCalls: () => server.callsTo(messagesPath),
    enqueueCountTokens: (...responses) => server.enqueue(countTokensPath, ...responses),
    countTokensCalls: () => server.callsTo(countTokensPath),
    close: () => server.close(),
  };
}

/**
 * Answers like the real API would when nothing is scripted: the checks it
 * makes first (key, version header, required fields, cache breakpoints,
 * thinking blocks sent back), then "Hello from fake <model>", after a signed
 * thinking block when thinking is on, streamed when the request says
 * `stream: true`; the prompt cache decides what input is billed as cache
 * reads and writes.
 */
function respondByDefault(call: RecordedCall, nextId: IdSource, cache: FakePromptCache): FakeResponse {
  const { body, replies, refusal } = checkRequest(call, nextId, ["model", "max_tokens", "messages"]);
  if (refusal) return refusal;
  const breakpoints = FakePromptCache.countBreakpoints(body);
  if (breakpoints > maxCacheBreakpoints) {
    return replies.error(
      400,
      `A maximum of ${maxCacheBreakpoints} blocks with cache_control may be provided. Found ${breakpoints}.`,
    );
  }
  const thinkingRefusal = checkThinking(body);
  if (thinkingRefusal) return replies.error(400, thinkingRefusal);
  const answer = `Hello from fake ${String(body.model)}`;
  const thinking = (body.thinking as { type?: unknown } | undefined)?.type === "enabled";
  const thought = `The caller said hello to ${String(body.model)}.`;
  const cached = cache.apply(body, estimateTokens);
  const cacheWrites = cached.write5mTokens + cached.write1hTokens;
  const usage: AnthropicFakeUsage = {
    inputTokens: Math.max(promptTokens(body), cached.readTokens + cacheWrites),
    outputTokens: estimateTokens(answer) + (thinking ? estimateTokens(thought) : 0),
    cachedInputTokens: cached.readTokens,
    cacheWriteInputTokens: cacheWrites,
    cacheWrite1hInputTokens: cached.write1hTokens,
  };
  if (body.stream === true) {
    return replies.streamBlocks(
      [...(thinking ? [thinkingBlock(thought.split(/(?= )/))] : []), textBlock(answer.split(/(?= )/))],
      usage,
    );
  }
  return thinking ? replies.thinkingText(thought, answer, { usage }) : replies.text(answer, usage);
}

/** Counts the prompt as a default answer bills it: the same request costs what it counted. */
function countByDefault(call: RecordedCall, nextId: IdSource): FakeResponse {
  const { body, replies, refusal } = checkRequest(call, nextId, ["model", "messages"]);
  if (refusal) return refusal;
  const extra = generationFields.find((field) => body[field] !== undefined);
  if (extra) return replies.error(400, `${extra}: Extra inputs are not permitted`);
  const systemRefusal = systemMessageRefusalOf(body);
  if (systemRefusal) return replies.error(400, systemRefusal);
  return { type: "json", body: { input_tokens: promptTokens(body) } };
}

/** The checks the API makes first: key, version header, required fields. */
function checkRequest(
  call: RecordedCall,
  nextId: IdSource,
  required: string[],
): { body: Record<string, unknown>; replies: AllReplies; refusal?: FakeResponse } {
  const body = (typeof call.body === "object" && call.body !== null ? call.body : {}) as Record<
    string,
    unknown
  >;
  const replies = createReplies(typeof body.model === "string" ? body.model : defaultModel, nextId);
  const refuse = (status: number, message: string) => ({
    body,
    replies,
    refusal: replies.error(status, message),
  });
  // The API takes the key as `x-api-key` or, as the official SDK now sends it, a bearer token.
  if (!call.headers["x-api-key"] && !/^Bearer \S/.test(String(call.headers.authorization ?? ""))) {
    return refuse(401, "x-api-key header is required");
  }
  if (!call.headers["anthropic-version"]) return refuse(400, "anthropic-version: header is required");
  const missing = required.find((field) => body[field] === undefined);
  if (missing) return refuse(400, `${missing}: Field required`);
  return { body, replies };
}

function promptTokens(body: Record<string, unknown>): number {
  return estimateTokens(JSON.stringify([body.system ?? "", body.messages, body.tools ?? []]));
}

/** Roughly four characters a token, as Anthropic's own rule of thumb. */
function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

type IdSource = (prefix: string) => string;

/** Ids shaped like Anthropic's (`msg_01...`, `toolu_01...`), counted per fake so runs repeat. */
function createIdSource(): IdSource {
  let sequence = 0;
  return (prefix) => {
    sequence += 1;
    return `${prefix}_01Fake${String(sequence).padStart(18, "0")}`;
  };
}

interface AllReplies extends AnthropicFakeReplies {
  /** Any blocks, streamed; for the default answer. */
  streamBlocks(blocks: StreamBlock[], usage: AnthropicFakeUsage): FakeResponse;
}

function createReplies(model: string, nextId: IdSource): AllReplies {
  const message = (
    content: unknown[],
    stopReason: string,
    usage: AnthropicFakeUsage | undefined,
  ): FakeResponse => ({
    type: "json",
    headers: { "request-id": nextId("req") },
    body: {
      id: nextId("msg"),
      type: "message",
      role: "assistant",
      model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage: wireUsage(usage ?? { inputTokens: 12, outputTokens: 6 }),
    },
  });

  const stream = (
    blocks: StreamBlock[],
    stopReason: string,
    usage: AnthropicFakeUsage,
    options: StreamOptions = {},
  ): FakeResponse => {
    const message = { id: nextId("msg"), model, stopReason, stopSequence: null, usage: wireUsage(usage) };
    return {
      type: "sse",
      headers: { "request-id": nextId("req") },
      events: messageEvents(message, blocks, options.error),
      chunkDelayMs: options.chunkDelayMs,
      delayMs: options.delayMs,
      cutAfter: options.cutAfter,
    };
  };

  const signedThinking = (thinking: string, redactedData?: string) => [
    { type: "thinking", thinking, signature: signThinking(thinking) },
    ...(redactedData ? [{ type: "redacted_thinking", data: redactedData }] : []),
  ];

  return {
    text: (content, usage) => message([{ type: "text", text: content }], "end_turn", usage),
    thinkingText: (thinking, content, options = {}) =>
      message(
        [...signedThinking(thinking, options.redactedData), { type: "text", text: content }],
        "end_turn",
        options.usage,
      ),
    thinkingToolCall: (thinking, call, usage) =>
      message(
        [
          ...signedThinking(thinking),
          { type: "tool_use", id: nextId("toolu"), name: call.name, input: JSON.parse(call.argumentsJson) },
        ],
        "tool_use",
        usage,
      ),
    thinkingToolCallStream: (thinkingPieces, call, options = {}) =>
      stream(
        [
          thinkingBlock(thinkingPieces),
          ...(options.redactedData
            ? [{ start: { type: "redacted_thinking", data: options.redactedData }, deltas: [] }]
            : []),
          toolUseBlock(call, nextId("toolu")),
        ],
        "tool_use",
        options.usage ?? { inputTokens: 40, outputTokens: 30 },
      ),
    streamBlocks: (blocks, usage) => stream(blocks, "end_turn", usage),
    textWithStopReason: (content, stopReason, usage) =>
      message([{ type: "text", text: content }], stopReason, usage),
    toolCall: (name, argumentsJson, usage) =>
      message(
        [{ type: "tool_use", id: nextId("toolu"), name, input: JSON.parse(argumentsJson) }],
        "tool_use",
        usage,
      ),
    stream: (pieces, options = {}) =>
      stream(
        [textBlock(pieces)],
        "end_turn",
        options.usage ?? { inputTokens: 12, outputTokens: pieces.length },
        options,
      ),
    streamError: (pieces, options = {}) =>
      stream(
        [textBlock(pieces)],
        "end_turn",
        { inputTokens: 12, outputTokens: 0 },
        { ...options, error: true },
      ),
    toolCallStream: (calls, options = {}) =>
      stream(
        [
          ...(options.text ? [textBlock([options.text])] : []),
          ...calls.map((call) => toolUseBlock(call, nextId("toolu"))),
        ],
        "tool_use",
        options.usage ?? { inputTokens: 40, outputTokens: 20 },
      ),
    error: (status, text, options = {}) => {
      const requestId = nextId("req");
      return {
        type: "json",
        status,
        headers: { "request-id": requestId, ...retryAfterHeaders(options.retryAfterSeconds) },
        body: { type: "error", error: { type: errorTypeFor(status), message: text }, request_id: requestId },
      };
    },
  };
}

type StreamOptions = { chunkDelayMs?: number; delayMs?: number; cutAfter?: number; error?: boolean };

/** What a streamed message says beyond its blocks; usage in wire form. */
interface StreamedMessage {
  id: string;
  model: string;
  stopReason: unknown;
  stopSequence: unknown;
  usage: { output_tokens?: unknown } & Record<string, unknown>;
}

/**
 * message_start (input usage, one output token so far), each block's start,
 * deltas and stop with a `ping` after the first start, then message_delta
 * (stop reason, output tokens) and message_stop; with `error`, an
 * `overloaded_error` event where the blocks would have stopped.
 */
function messageEvents(message: StreamedMessage, blocks: StreamBlock[], error?: boolean): FakeSseEvent[] {
  const { output_tokens, ...inputUsage } = message.usage;
  const events: FakeSseEvent[] = [
    sse("message_start", {
      type: "message_start",
      message: {
        id: message.id,
        type: "message",
        role: "assistant",
        model: message.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...inputUsage, output_tokens: 1 },
      },
    }),
  ];
  for (const [index, block] of blocks.entries()) {
    events.push(
      sse("content_block_start", { type: "content_block_start", index, content_block: block.start }),
    );
    if (index === 0) events.push(sse("ping", { type: "ping" }));
    for (const delta of block.deltas) {
      events.push(sse("content_block_delta", { type: "content_block_delta", index, delta }));
    }
    if (!error) events.push(sse("content_block_stop", { type: "content_block_stop", index }));
  }
  if (error) {
    events.push(sse("error", { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }));
    return events;
  }
  events.push(
    sse("message_delta", {
      type: "message_delta",
      delta: { stop_reason: message.stopReason, stop_sequence: message.stopSequence },
      usage: { output_tokens },
    }),
    sse("message_stop", { type: "message_stop" }),
  );
  return events;
}

type WireBlock = Record<string, unknown>;

interface WireMessage {
  type?: unknown;
  id?: unknown;
  model?: unknown;
  content?: unknown;
  stop_reason?: unknown;
  stop_sequence?: unknown;
  usage?: StreamedMessage["usage"];
}

/**
 * The stream a call with `stream: true` gets instead of a scripted
 * non-streamed message: the same id, model, blocks (text and thinking in
 * pieces, the thinking's own signature, tool input as JSON fragments, other
 * blocks whole in their start event), stop reason and usage.
 */
function streamedMessage(call: RecordedCall, answer: FakeJsonResponse): FakeResponse | undefined {
  if ((call.body as { stream?: unknown } | undefined)?.stream !== true) return undefined;
  const message = answer.body as WireMessage | undefined;
  if (message?.type !== "message" || !Array.isArray(message.content) || !message.content.every(isObject)) {
    return undefined;
  }
  const blocks = (message.content as WireBlock[]).map(streamBlockOf);
  const events = messageEvents(
    {
      id: String(message.id),
      model: String(message.model),
      stopReason: message.stop_reason,
      stopSequence: message.stop_sequence ?? null,
      usage: message.usage ?? { input_tokens: 0, output_tokens: 0 },
    },
    blocks,
  );
  return { type: "sse", headers: answer.headers, events, delayMs: answer.delayMs };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function streamBlockOf(block: WireBlock): StreamBlock {
  const pieces = (text: unknown) => (typeof text === "string" && text ? text.split(/(?= )/) : []);
  switch (block.type) {
    case "text":
      return textBlock(pieces(block.text));
    case "thinking":
      return thinkingBlock(pieces(block.thinking), String(block.signature));
    case "tool_use":
      return toolUseBlock(
        { name: String(block.name), argumentsJson: JSON.stringify(block.input ?? {}) },
        String(block.id),
      );
    default:
      // redacted_thinking and server tool blocks arrive whole in their start event.
      return { start: block, deltas: [] };
  }
}

interface StreamBlock {
  start: Record<string, unknown>;
  deltas: Array<Record<string, unknown>>;
}

function textBlock(pieces: string[]): StreamBlock {
  return { start: { type: "text", text: "" }, deltas: pieces.map((text) => ({ type: "text_delta", text })) };
}

/** Thinking streams in pieces; its signature comes in one `signature_delta` just before the block stops. */
function thinkingBlock(pieces: string[], signature = signThinking(pieces.join(""))): StreamBlock {
  return {
    start: { type: "thinking", thinking: "" },
    deltas: [
      ...pieces.map((thinking) => ({ type: "thinking_delta", thinking })),
      { type: "signature_delta", signature },
    ],
  };
}

/** Anthropic streams tool input as JSON fragments, starting with an empty one. */
function toolUseBlock(call: AnthropicFakeToolCall, id: string): StreamBlock {
  const third = Math.ceil(call.argumentsJson.length / 3);
  const fragments = [0, 1, 2].map((part) => call.argumentsJson.slice(part * third, (part + 1) * third));
  return {
    start: { type: "tool_use", id, name: call.name, input: {} },
    deltas: ["", ...fragments.filter(Boolean)].map((partial_json) => ({
      type: "input_json_delta",
      partial_json,
    })),
  };
}

function wireUsage(usage: AnthropicFakeUsage) {
  const cacheRead = usage.cachedInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  const cacheWrite1h = usage.cacheWrite1hInputTokens ?? 0;
  return {
    input_tokens: usage.inputTokens - cacheRead - cacheWrite,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
    cache_creation: {
      ephemeral_5m_input_tokens: cacheWrite - cacheWrite1h,
      ephemeral_1h_input_tokens: cacheWrite1h,
    },
    output_tokens: usage.outputTokens,
  };
}

/** https://docs.claude.com/en/api/errors: each status has its error type. */
function errorTypeFor(status: number): string {
  const types: Record<number, string> = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
  };
  return types[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

function sse(event: string, data: unknown): FakeSseEvent {
  return { event, data: JSON.stringify(data) };
}
