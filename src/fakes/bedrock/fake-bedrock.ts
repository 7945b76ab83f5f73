import { EventStreamCodec, type MessageHeaders } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import type { FakeProvider, FakeReplies, FakeUsage } from "../fake-provider.js";
import { retryAfterHeaders } from "../fake-provider.js";
import {
  type FakeJsonResponse,
  type FakeResponse,
  FakeUpstreamServer,
  type RecordedCall,
} from "../fake-upstream-server.js";
import { bedrockAuthRefusalOf, bedrockErrorReply, type FakeBedrockIdentity } from "./bedrock-auth-checks.js";
import { bedrockCountTokensRefusalOf, bedrockRefusalOf } from "./bedrock-request-checks.js";

/*
 * Bedrock's runtime API (docs.aws.amazon.com/bedrock/latest/APIReference/API_Operations_Amazon_Bedrock_Runtime.html):
 * `POST /model/{modelId}/converse` answers JSON, `/converse-stream` an AWS
 * binary event stream (`application/vnd.amazon.eventstream`, frames with
 * CRCs, headers `:event-type` / `:message-type` / `:content-type`; AWS pads
 * each event with a `p` field). Every request is authorised first (SigV4
 * recomputed with the key's secret, or a Bedrock API key) and validated like
 * Converse (bedrock-request-checks.ts); errors are `{message}` with the type
 * in `x-amzn-ErrorType`. `@aws-sdk/client-bedrock-runtime` reads it in fake-bedrock.test.ts.
 */

const modelPathPattern = /^\/model\/([^/]+)\/(converse|converse-stream)$/;
const countTokensPathPattern = /^\/model\/([^/]+)\/count-tokens$/;
const defaultUsage: FakeUsage = { inputTokens: 14, outputTokens: 7 };
const codec = new EventStreamCodec(toUtf8, fromUtf8);

export interface BedrockFakeUsage extends FakeUsage {
  cacheWriteInputTokens?: number;
}

export interface BedrockFakeToolCall {
  toolUseId: string;
  name: string;
  inputJson: string;
}

export interface BedrockAnswer {
  text?: string;
  toolCalls?: BedrockFakeToolCall[];
  stopReason?: string;
  usage?: BedrockFakeUsage;
}

/** The identity tests sign with; its secret is never sent, only proven. */
export const fakeBedrockIdentity: FakeBedrockIdentity = {
  region: "us-east-1",
  accessKeys: [
    { accessKeyId: "AKIAFAKEBEDROCK00001", secretAccessKey: "bedrock-fake-secret-0001-do-not-log" },
    {
      accessKeyId: "ASIAFAKEBEDROCK00002",
      secretAccessKey: "bedrock-fake-secret-0002-do-not-log",
      sessionToken: "bedrock-fake-session-token-0002-do-not-log",
    },
  ],
  apiKeys: ["ABSKbedrock-fake-api-key-0003-do-not-log"],
};

export interface FakeBedrock extends FakeProvider {
  /** A ConverseStream exception after `pieces` of text: `throttlingException`, `modelStreamErrorException`, ... */
  streamException(pieces: string[], exceptionType: string, message: string): FakeResponse;
}

export const bedrockReplies: FakeReplies & Pick<FakeBedrock, "streamException"> = {
  text: (text, usage = defaultUsage) => bedrockConverseReply({ text, usage }),
  toolCall: (name, inputJson, usage = defaultUsage) =>
    bedrockConverseReply({
      toolCalls: [{ toolUseId: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", name, inputJson }],
      usage,
    }),
  stream: (pieces, options = {}) => ({
    ...bedrockStreamReply({ text: pieces.join(""), usage: options.usage ?? defaultUsage }, pieces),
    chunkDelayMs: options.chunkDelayMs,
    delayMs: options.delayMs,
    cutAfter: options.cutAfter,
  }),
  streamError: (pieces, options = {}) => ({
    ...bedrockReplies.streamException(
      pieces,
      "modelStreamErrorException",
      "The model encountered an error processing the stream.",
    ),
    ...(options.chunkDelayMs !== undefined ? { chunkDelayMs: options.chunkDelayMs } : {}),
  }),
  streamException: (pieces, exceptionType, message) => {
    const frames = [eventFrame("messageStart", { role: "assistant" })];
    for (const text of pieces)
      frames.push(eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { text } }));
    frames.push(exceptionFrame(exceptionType, { message }));
    return { type: "frames", headers: streamHeaders(), frames };
  },
  error: (status, message, options = {}) =>
    bedrockErrorReply(status, errorTypeFor(status), message, retryAfterHeaders(options.retryAfterSeconds)),
};

/** docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_Errors */
function errorTypeFor(status: number): string {
  const types: Record<number, string> = {
    400: "ValidationException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    424: "ModelErrorException",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
  };
  return types[status] ?? "InternalServerException";
}

export function bedrockConverseReply(answer: BedrockAnswer): FakeJsonResponse {
  const toolCalls = answer.toolCalls ?? [];
  const content: unknown[] = [];
  if (answer.text) content.push({ text: answer.text });
  for (const call of toolCalls) {
    content.push({
      toolUse: { toolUseId: call.toolUseId, name: call.name, input: JSON.parse(call.inputJson) },
    });
  }
  return {
    type: "json",
    headers: { "x-amzn-requestid": crypto.randomUUID() },
    body: {
      output: { message: { role: "assistant", content } },
      stopReason: answer.stopReason ?? (toolCalls.length > 0 ? "tool_use" : "end_turn"),
      usage: wireUsage(answer.usage ?? defaultUsage),
      metrics: { latencyMs: 321 },
    },
  };
}

/** ConverseStream's events for an answer: text deltas without a block start, each tool call's start and input. */
export function bedrockStreamReply(
  answer: BedrockAnswer,
  pieces = answer.text ? [answer.text] : [],
): Extract<FakeResponse, { type: "frames" }> {
  const frames = [eventFrame("messageStart", { role: "assistant" })];
  let block = 0;
  if (pieces.length > 0) {
    for (const text of pieces)
      frames.push(eventFrame("contentBlockDelta", { contentBlockIndex: block, delta: { text } }));
    frames.push(eventFrame("contentBlockStop", { contentBlockIndex: block }));
    block += 1;
  }
  for (const call of answer.toolCalls ?? []) {
    frames.push(
      eventFrame("contentBlockStart", {
        contentBlockIndex: block,
        start: { toolUse: { toolUseId: call.toolUseId, name: call.name } },
      }),
    );
    // Bedrock streams the input JSON as text fragments.
    const middle = Math.ceil(call.inputJson.length / 2);
    for (const input of [call.inputJson.slice(0, middle), call.inputJson.slice(middle)]) {
      if (input)
        frames.push(
          eventFrame("contentBlockDelta", { contentBlockIndex: block, delta: { toolUse: { input } } }),
        );
    }
    frames.push(eventFrame("contentBlockStop", { contentBlockIndex: block }));
    block += 1;
  }
  const stopReason = answer.stopReason ?? ((answer.toolCalls?.length ?? 0) > 0 ? "tool_use" : "end_turn");
  frames.push(eventFrame("messageStop", { stopReason }));
  frames.push(
    eventFrame("metadata", { usage: wireUsage(answer.usage ?? defaultUsage), metrics: { latencyMs: 321 } }),
  );
  return { type: "frames", headers: streamHeaders(), frames };
}

export async function createFakeBedrock(
  identity: FakeBedrockIdentity = fakeBedrockIdentity,
): Promise<FakeBedrock> {
  const server = await new FakeUpstreamServer([
    {
      path: modelPathPattern,
      respond: answerConverse,
      refuse: (call) => bedrockAuthRefusalOf(call, identity) ?? bedrockRefusalOf(call),
      streamed: streamedAnswer,
    },
    {
      path: countTokensPathPattern,
      respond: answerCountTokens,
      refuse: (call) => bedrockAuthRefusalOf(call, identity) ?? bedrockCountTokensRefusalOf(call),
    },
  ]).listen();
  const anyModelPath = "/model/any/converse";
  return {
    server,
    baseUrl: server.url,
    replies: bedrockReplies,
    streamException: bedrockReplies.streamException,
    enqueueChat: (...responses) => server.enqueue(anyModelPath, ...responses),
    chatCalls: () => server.callsTo(modelPathPattern),
    enqueueCountTokens: (...responses) => server.enqueue("/model/any/count-tokens", ...responses),
    countTokensCalls: () => server.callsTo(countTokensPathPattern),
    close: () => server.close(),
  };
}

/** The model id a call named in its path, decoded. */
export function bedrockModelIdOf(call: RecordedCall): string {
  return decodeURIComponent(/^\/model\/([^/]+)\//.exec(call.path)?.[1] ?? "");
}

/** About four characters a token over what would be billed as input. */
function answerCountTokens(call: RecordedCall): FakeResponse {
  const converse = (call.body as { input: { converse: unknown } }).input.converse;
  return {
    type: "json",
    headers: { "x-amzn-requestid": crypto.randomUUID() },
    body: { inputTokens: Math.max(1, Math.ceil(JSON.stringify(converse).length / 4)) },
  };
}

function answerConverse(call: RecordedCall): FakeResponse {
  const body = call.body as {
    messages?: unknown[];
    toolConfig?: { toolChoice?: { tool?: { name?: string } } };
  };
  const forcedTool = body.toolConfig?.toolChoice?.tool?.name;
  const text = `Hello from fake Bedrock ${bedrockModelIdOf(call)}`;
  const usage = {
    inputTokens: Math.max(1, Math.ceil(call.bodyText.length / 4)),
    outputTokens: Math.ceil(text.length / 4),
  };
  return forcedTool
    ? bedrockConverseReply({
        toolCalls: [
          { toolUseId: "tooluse_forced", name: forcedTool, inputJson: JSON.stringify({ answer: text }) },
        ],
        usage,
      })
    : bedrockConverseReply({ text, usage });
}

/** A scripted Converse answer, as ConverseStream sends it when the call went to `/converse-stream`. */
function streamedAnswer(call: RecordedCall, answer: FakeJsonResponse): FakeResponse | undefined {
  if (!call.path.endsWith("/converse-stream")) return undefined;
  const body = answer.body as {
    output: {
      message: {
        content: Array<{ text?: string; toolUse?: { toolUseId: string; name: string; input: unknown } }>;
      };
    };
    stopReason: string;
    usage: {
      inputTokens: number;
      outputTokens: number;
      cacheReadInputTokens?: number;
      cacheWriteInputTokens?: number;
    };
  };
  const content = body.output.message.content;
  const text = content.map((block) => block.text ?? "").join("");
  const cached = body.usage.cacheReadInputTokens ?? 0;
  const written = body.usage.cacheWriteInputTokens ?? 0;
  return {
    ...bedrockStreamReply({
      text,
      toolCalls: content.flatMap((block) =>
        block.toolUse
          ? [
              {
                toolUseId: block.toolUse.toolUseId,
                name: block.toolUse.name,
                inputJson: JSON.stringify(block.toolUse.input),
              },
            ]
          : [],
      ),
      stopReason: body.stopReason,
      usage: {
        inputTokens: body.usage.inputTokens + cached + written,
        outputTokens: body.usage.outputTokens,
        cachedInputTokens: cached,
        cacheWriteInputTokens: written,
      },
    }),
    ...(answer.delayMs !== undefined ? { delayMs: answer.delayMs } : {}),
  };
}

/** Converse's `inputTokens` leaves out cache reads and writes, reported apart. */
function wireUsage(usage: BedrockFakeUsage) {
  const cacheRead = usage.cachedInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  const inputTokens = usage.inputTokens - cacheRead - cacheWrite;
  return {
    inputTokens,
    outputTokens: usage.outputTokens,
    totalTokens: inputTokens + cacheRead + cacheWrite + usage.outputTokens,
    ...(cacheRead > 0 || cacheWrite > 0
      ? { cacheReadInputTokens: cacheRead, cacheWriteInputTokens: cacheWrite }
      : {}),
  };
}

function streamHeaders(): Record<string, string> {
  return { "content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": crypto.randomUUID() };
}

const paddingAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** One event frame; AWS adds a `p` field of varying length to every event (it hides lengths on the wire). */
export function eventFrame(eventType: string, payload: Record<string, unknown>): Uint8Array {
  const padding = paddingAlphabet.slice(0, 1 + ((eventType.length * 7) % paddingAlphabet.length));
  return frame(
    {
      ":event-type": { type: "string", value: eventType },
      ":content-type": { type: "string", value: "application/json" },
      ":message-type": { type: "string", value: "event" },
    },
    { ...payload, p: padding },
  );
}

export function exceptionFrame(exceptionType: string, payload: Record<string, unknown>): Uint8Array {
  return frame(
    {
      ":exception-type": { type: "string", value: exceptionType },
      ":content-type": { type: "string", value: "application/json" },
      ":message-type": { type: "string", value: "exception" },
    },
    payload,
  );
}

function frame(headers: MessageHeaders, payload: unknown): Uint8Array {
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) });
}
