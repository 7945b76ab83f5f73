import { randomBytes } from "node:crypto";
import type { FakeUsage } from "../fake-provider.js";
import type {
  FakeJsonResponse,
  FakeResponse,
  FakeRoute,
  FakeSseEvent,
  RecordedCall,
} from "../fake-upstream-server.js";

/*
 * OpenAI's Responses API (`POST /v1/responses`), plain and streamed with the
 * exact event sequence and `sequence_number`s, usage as OpenAI reports it,
 * and OpenAI's 400 for unknown parameters and malformed input.
 */

export const openAiResponsesPath = "/v1/responses";

export interface FakeResponsesAnswer {
  text?: string;
  /** A function call after the text, as Codex's `exec_command`. */
  functionCall?: { name: string; argumentsJson: string; callId?: string };
  /** A reasoning item first: its summary and the encrypted content clients send back. */
  reasoning?: { summary: string; encryptedContent: string };
  usage?: FakeUsage & { reasoningTokens?: number };
  model?: string;
  /** `incomplete` with `max_output_tokens` as the reason. */
  incomplete?: boolean;
}

const knownParameters = new Set([
  "model",
  "input",
  "instructions",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "text",
  "reasoning",
  "max_output_tokens",
  "temperature",
  "top_p",
  "stream",
  "stream_options",
  "store",
  "previous_response_id",
  "include",
  "prompt_cache_key",
  "prompt_cache_retention",
  "metadata",
  "user",
  "safety_identifier",
  "background",
  "conversation",
  "prompt",
  "max_tool_calls",
  "top_logprobs",
  "truncation",
  "service_tier",
  "client_metadata",
]);

const defaultUsage = { inputTokens: 12, outputTokens: 6 };

export const openAiResponsesRoute: FakeRoute = {
  path: openAiResponsesPath,
  respond: answerResponses,
  streamed: streamedResponse,
};

export const openAiResponsesReplies = {
  /** A non-streamed Response. */
  json: (answer: FakeResponsesAnswer): FakeResponse => ({
    type: "json",
    headers: requestIdHeader(),
    body: responseBody(answer, newIds(), answer.incomplete ? "incomplete" : "completed"),
  }),
  /** A streamed Response, text in `pieces`. */
  stream: (answer: FakeResponsesAnswer & { pieces?: string[] }, options: { chunkDelayMs?: number } = {}) =>
    sseReply(streamEvents(answer), options.chunkDelayMs),
  /** `response.failed` after the pieces (none: before any output item), as OpenAI ends a failed generation. */
  streamFailed: (pieces: string[]): FakeResponse => {
    const events = streamEvents({ pieces, text: pieces.join("") });
    // created, in_progress, and with pieces the item, its part and the deltas; then the failure.
    const head = events.slice(0, pieces.length === 0 ? 2 : 4 + pieces.length);
    const ids = newIds();
    const failed = responseBody({}, ids, "failed");
    failed.error = {
      code: "server_error",
      message: "The server had an error while processing your request.",
    };
    head.push(event("response.failed", head.length, { response: failed }));
    return sseReply(head);
  },
};

function sseReply(events: FakeSseEvent[], chunkDelayMs?: number): FakeResponse {
  return { type: "sse", headers: requestIdHeader(), events, chunkDelayMs };
}

function requestIdHeader(): Record<string, string> {
  return { "x-request-id": `req_${randomBytes(16).toString("hex")}` };
}

interface Ids {
  response: string;
  message: string;
  call: string;
  reasoning: string;
  created: number;
}

function newIds(): Ids {
  const hex = () => randomBytes(24).toString("hex");
  return {
    response: `resp_${hex()}`,
    message: `msg_${hex()}`,
    call: `fc_${hex()}`,
    reasoning: `rs_${hex()}`,
    created: Math.floor(Date.now() / 1000),
  };
}

function usageBody(usage: FakeResponsesAnswer["usage"] = defaultUsage): Record<string, unknown> {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

function outputItems(answer: FakeResponsesAnswer, ids: Ids): Array<Record<string, unknown>> {
  const items: Array<Record<string, unknown>> = [];
  if (answer.reasoning) items.push(reasoningItem(answer, ids));
  if (answer.text !== undefined) items.push(messageItem(ids, answer.text, "completed"));
  if (answer.functionCall) items.push(functionCallItem(answer, ids, "completed"));
  return items;
}

function reasoningItem(answer: FakeResponsesAnswer, ids: Ids): Record<string, unknown> {
  return {
    id: ids.reasoning,
    type: "reasoning",
    summary: [{ type: "summary_text", text: answer.reasoning?.summary ?? "" }],
    encrypted_content: answer.reasoning?.encryptedContent ?? null,
  };
}

function messageItem(ids: Ids, text: string, status: string): Record<string, unknown> {
  return {
    id: ids.message,
    type: "message",
    status,
    content: status === "completed" ? [{ type: "output_text", annotations: [], logprobs: [], text }] : [],
    role: "assistant",
  };
}

function functionCallItem(answer: FakeResponsesAnswer, ids: Ids, status: string): Record<string, unknown> {
  const call = answer.functionCall;
  return {
    id: ids.call,
    type: "function_call",
    status,
    arguments: status === "completed" ? (call?.argumentsJson ?? "") : "",
    call_id: call?.callId ?? "call_fakeResponses0001",
    name: call?.name ?? "",
  };
}

function responseBody(answer: FakeResponsesAnswer, ids: Ids, status: string): Record<string, unknown> {
  const done = status !== "in_progress";
  return {
    id: ids.response,
    object: "response",
    created_at: ids.created,
    status,
    background: false,
    error: null,
    incomplete_details: status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: null,
    max_output_tokens: null,
    model: answer.model ?? "gpt-4.1-2025-04-14",
    output: done ? outputItems(answer, ids) : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: 1,
    text: { format: { type: "text" }, verbosity: "medium" },
    tool_choice: "auto",
    tools: [],
    top_p: 1,
    truncation: "disabled",
    usage: done && status !== "failed" ? usageBody(answer.usage) : null,
    user: null,
    metadata: {},
  };
}

function event(type: string, sequenceNumber: number, payload: Record<string, unknown>): FakeSseEvent {
  return { event: type, data: JSON.stringify({ type, ...payload, sequence_number: sequenceNumber }) };
}

function streamEvents(answer: FakeResponsesAnswer & { pieces?: string[] }): FakeSseEvent[] {
  const status = answer.incomplete ? "incomplete" : "completed";
  return responseEvents(responseBody(answer, newIds(), status), answer.pieces);
}

type WireItem = Record<string, unknown> & { id?: unknown; type?: unknown };

/**
 * A finished Response as OpenAI streams it
 * (https://platform.openai.com/docs/api-reference/responses-streaming, in
 * OpenAI's order): created and in_progress with no output yet, each output
 * item added, filled (reasoning summaries, message text in `pieces` or
 * word by word, function-call arguments) and done, then the Response itself
 * as `response.<status>`.
 */
function responseEvents(final: Record<string, unknown>, pieces?: string[]): FakeSseEvent[] {
  const events: FakeSseEvent[] = [];
  const push = (type: string, payload: Record<string, unknown>) =>
    events.push(event(type, events.length, payload));
  const started = { ...final, status: "in_progress", output: [], usage: null, incomplete_details: null };
  push("response.created", { response: started });
  push("response.in_progress", { response: started });
  const items = Array.isArray(final.output) ? (final.output as WireItem[]) : [];
  for (const [outputIndex, item] of items.entries()) {
    if (item.type === "reasoning") reasoningEvents(item, outputIndex, push);
    else if (item.type === "message") messageEvents(item, outputIndex, push, pieces);
    else if (item.type === "function_call") functionCallEvents(item, outputIndex, push);
    else {
      push("response.output_item.added", { output_index: outputIndex, item });
      push("response.output_item.done", { output_index: outputIndex, item });
    }
  }
  push(`response.${String(final.status)}`, { response: final });
  return events;
}

type Push = (type: string, payload: Record<string, unknown>) => void;

function reasoningEvents(item: WireItem, outputIndex: number, push: Push): void {
  const summary = Array.isArray(item.summary) ? (item.summary as Array<{ text?: unknown }>) : [];
  push("response.output_item.added", { output_index: outputIndex, item: { ...item, summary: [] } });
  for (const [summaryIndex, part] of summary.entries()) {
    const place = { item_id: item.id, output_index: outputIndex, summary_index: summaryIndex };
    push("response.reasoning_summary_part.added", { ...place, part: { type: "summary_text", text: "" } });
    push("response.reasoning_summary_text.delta", { ...place, delta: part.text });
    push("response.reasoning_summary_text.done", { ...place, text: part.text });
    push("response.reasoning_summary_part.done", { ...place, part });
  }
  push("response.output_item.done", { output_index: outputIndex, item });
}

function messageEvents(item: WireItem, outputIndex: number, push: Push, pieces?: string[]): void {
  const content = Array.isArray(item.content) ? (item.content as Array<Record<string, unknown>>) : [];
  push("response.output_item.added", {
    output_index: outputIndex,
    item: { ...item, status: "in_progress", content: [] },
  });
  for (const [contentIndex, part] of content.entries()) {
    const place = { item_id: item.id, output_index: outputIndex, content_index: contentIndex };
    const text = typeof part.text === "string" ? part.text : "";
    push("response.content_part.added", { ...place, part: { ...part, text: "" } });
    for (const piece of (contentIndex === 0 ? pieces : undefined) ?? text.split(/(?= )/)) {
      push("response.output_text.delta", { ...place, delta: piece, logprobs: [] });
    }
    push("response.output_text.done", { ...place, text, logprobs: [] });
    push("response.content_part.done", { ...place, part });
  }
  push("response.output_item.done", { output_index: outputIndex, item });
}

function functionCallEvents(item: WireItem, outputIndex: number, push: Push): void {
  const place = { item_id: item.id, output_index: outputIndex };
  push("response.output_item.added", {
    output_index: outputIndex,
    item: { ...item, status: "in_progress", arguments: "" },
  });
  push("response.function_call_arguments.delta", { ...place, delta: item.arguments });
  push("response.function_call_arguments.done", { ...place, arguments: item.arguments });
  push("response.output_item.done", { output_index: outputIndex, item });
}

/** The stream a call with `stream: true` gets instead of a scripted non-streamed Response. */
function streamedResponse(call: RecordedCall, answer: FakeJsonResponse): FakeResponse | undefined {
  if ((call.body as { stream?: unknown } | undefined)?.stream !== true) return undefined;
  const body = answer.body as Record<string, unknown> | undefined;
  if (body?.object !== "response" || !Array.isArray(body.output)) return undefined;
  return { type: "sse", headers: answer.headers, events: responseEvents(body), delayMs: answer.delayMs };
}

function invalid(message: string, param: string | null): FakeResponse {
  return {
    type: "json",
    status: 400,
    headers: requestIdHeader(),
    body: { error: { message, type: "invalid_request_error", param, code: null } },
  };
}

/** Unscripted calls: a text answer naming the model, after OpenAI's own checks of the body. */
function answerResponses(call: RecordedCall): FakeResponse {
  const body = call.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== "object" || Array.isArray(body))
    return invalid("We could not parse the JSON body of your request.", null);
  for (const key of Object.keys(body)) {
    if (!knownParameters.has(key)) return invalid(`Unknown parameter: '${key}'.`, key);
  }
  if (typeof body.model !== "string") return invalid("Missing required parameter: 'model'.", "model");
  const input = body.input;
  if (!(typeof input === "string" || Array.isArray(input))) {
    return invalid("Invalid type for 'input': expected a string or an array.", "input");
  }
  const text = `Hello from fake ${body.model}`;
  const promptText = JSON.stringify(input) + (typeof body.instructions === "string" ? body.instructions : "");
  const answer: FakeResponsesAnswer = {
    text,
    model: body.model,
    usage: {
      inputTokens: Math.max(1, Math.ceil(promptText.length / 4)),
      outputTokens: Math.ceil(text.length / 4),
    },
  };
  return body.stream === true ? sseReply(streamEvents(answer)) : openAiResponsesReplies.json(answer);
}
