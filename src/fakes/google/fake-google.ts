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
import { checkThoughtSignatures, signFunctionCall } from "./fake-google-thought-signatures.js";
import { googleRefusalOf } from "./google-request-checks.js";

/*
 * A fake Gemini API (v1beta) speaking its wire format: GenerateContentResponse
 * bodies, `streamGenerateContent?alt=sse` streams of whole responses with no
 * [DONE], google.rpc.Status error envelopes, batchEmbedContents.
 */

const chatPath = /^\/v1beta\/models\/[^/]+:(generateContent|streamGenerateContent)$/;
const embeddingsPath = /^\/v1beta\/models\/[^/]+:batchEmbedContents$/;
const countTokensPath = /^\/v1beta\/models\/[^/]+:countTokens$/;
/** The model version scripted replies report; default answers report the requested model. */
const scriptedModelVersion = "gemini-2.5-flash";
/** gemini-embedding-001 answers 3072 dimensions unless asked for fewer. */
const defaultDimensions = 3072;

export async function createFakeGoogle(): Promise<FakeProvider> {
  const server = await new FakeUpstreamServer([
    {
      path: chatPath,
      respond: answerChat,
      streamed: streamedResponse,
      refuse: (call) => {
        const body = (typeof call.body === "object" && call.body !== null ? call.body : {}) as Record<
          string,
          unknown
        >;
        const refusal = googleRefusalOf(body);
        return refusal ? googleReplies.error(400, refusal) : undefined;
      },
    },
    { path: embeddingsPath, respond: answerEmbeddings },
    { path: countTokensPath, respond: answerCountTokens },
  ]).listen();
  return {
    server,
    baseUrl: server.url,
    replies: googleReplies,
    enqueueChat: (...responses) => server.enqueue("/v1beta/models/fake:generateContent", ...responses),
    enqueueEmbeddings: (...responses) =>
      server.enqueue("/v1beta/models/fake:batchEmbedContents", ...responses),
    chatCalls: () => server.callsTo(chatPath),
    embeddingCalls: () => server.callsTo(embeddingsPath),
    enqueueCountTokens: (...responses) => server.enqueue("/v1beta/models/fake:countTokens", ...responses),
    countTokensCalls: () => server.callsTo(countTokensPath),
    close: () => server.close(),
  };
}

export const googleReplies: FakeReplies = {
  text: (content, usage = defaultUsage) => ({
    type: "json",
    body: googleResponse([{ text: content }], { finishReason: "STOP", usage }),
  }),

  toolCall: (name, argumentsJson, usage = defaultUsage) => ({
    type: "json",
    body: googleResponse([{ functionCall: { name, args: JSON.parse(argumentsJson) } }], {
      finishReason: "STOP",
      usage,
    }),
  }),

  stream: (pieces, options = {}) => ({
    type: "sse",
    events: streamEvents(pieces, options.usage ?? defaultUsage, scriptedModelVersion),
    chunkDelayMs: options.chunkDelayMs,
    delayMs: options.delayMs,
    cutAfter: options.cutAfter,
  }),

  streamError: (pieces, options = {}) => {
    const responseId = newResponseId();
    return {
      type: "sse",
      events: [
        ...pieces.map((text) => ({
          data: JSON.stringify(googleResponse([{ text }], { usage: defaultUsage, responseId })),
        })),
        { data: JSON.stringify(googleErrorBody(503, "The model is overloaded. Please try again later.")) },
      ],
      chunkDelayMs: options.chunkDelayMs,
    };
  },

  /** With `retryAfterSeconds`, both the header and the RetryInfo detail Gemini really sends. */
  error: (status, message, options = {}) => ({
    type: "json",
    status,
    headers: retryAfterHeaders(options.retryAfterSeconds),
    body: googleErrorBody(status, message, options.retryAfterSeconds),
  }),
};

/**
 * A thinking model's tool call: a thought summary part, then the function
 * call signed as Gemini 2.5/3 sign the first call of a step, with the
 * thinking tokens in `thoughtsTokenCount` (apart from `candidatesTokenCount`).
 */
export function googleThinkingToolCallReply(
  thought: string,
  call: { name: string; argumentsJson: string },
  usage: FakeUsage & { thoughtsTokens: number },
): FakeResponse {
  const args = JSON.parse(call.argumentsJson) as unknown;
  return {
    type: "json",
    body: googleResponse(
      [
        { text: thought, thought: true },
        { functionCall: { name: call.name, args }, thoughtSignature: signFunctionCall(call.name, args) },
      ],
      { finishReason: "STOP", usage },
    ),
  };
}

/** A batchEmbedContents answer with these vectors, one per input. */
export function googleEmbeddingsReply(vectors: number[][]): FakeResponse {
  return { type: "json", body: { embeddings: vectors.map((values) => ({ values })) } };
}

const defaultUsage: FakeUsage = { inputTokens: 12, outputTokens: 6 };

function answerChat(call: RecordedCall): FakeResponse {
  const model = /^\/v1beta\/models\/([^/:]+):/.exec(call.path)?.[1] ?? scriptedModelVersion;
  const signatureRefusal = checkThoughtSignatures(model, call.body);
  if (signatureRefusal) return googleReplies.error(400, signatureRefusal);
  const answer = `Hello from fake ${model}`;
  // Gemini thinks either way; it shows a summary of its thoughts only when asked.
  const thought = includesThoughts(call.body) ? `Greeting ${model}.` : undefined;
  const usage = {
    inputTokens: estimateTokens(promptText(call.body)),
    outputTokens: estimateTokens(answer),
    ...(thought ? { thoughtsTokens: estimateTokens(thought) * 8 } : {}),
  };
  if (call.path.endsWith(":streamGenerateContent")) {
    return { type: "sse", events: streamEvents(splitIntoPieces(answer), usage, model, thought) };
  }
  const parts = [...(thought ? [{ text: thought, thought: true }] : []), { text: answer }];
  const body = googleResponse(parts, { finishReason: "STOP", usage, model }) as {
    candidates: Array<Record<string, unknown>>;
  };
  const config = (call.body as { generationConfig?: { responseLogprobs?: boolean; logprobs?: number } })
    ?.generationConfig;
  if (config?.responseLogprobs && body.candidates[0]) {
    body.candidates[0].logprobsResult = fakeLogprobsResult(splitIntoPieces(answer), config.logprobs ?? 0);
  }
  return { type: "json", body };
}

/** A LogprobsResult for these tokens: each chosen with log-probability -0.1, and `top` alternatives. */
function fakeLogprobsResult(tokens: string[], top: number): unknown {
  const chosenCandidates = tokens.map((token, index) => ({ token, tokenId: index, logProbability: -0.1 }));
  if (top === 0) return { chosenCandidates };
  return {
    chosenCandidates,
    topCandidates: chosenCandidates.map((chosen) => ({
      candidates: [
        chosen,
        ...Array.from({ length: top - 1 }, (_, rank) => ({
          token: `alt${rank}`,
          tokenId: 9000 + rank,
          logProbability: -3 - rank,
        })),
      ],
    })),
  };
}

function answerEmbeddings(call: RecordedCall): FakeResponse {
  const requests = (call.body as { requests?: EmbedRequest[] } | undefined)?.requests;
  if (!Array.isArray(requests) || requests.length === 0) {
    return googleReplies.error(400, "* BatchEmbedContentsRequest.requests: contents is not specified");
  }
  return googleEmbeddingsReply(
    requests.map((request) =>
      fakeEmbeddingVector(
        (request.content?.parts ?? []).map((part) => part.text ?? "").join(""),
        request.outputDimensionality ?? defaultDimensions,
      ),
    ),
  );
}

/**
 * Counts as a default answer bills the same prompt. The API takes `contents`
 * (what the SDK sends) or a whole `generateContentRequest`, never both.
 */
function answerCountTokens(call: RecordedCall): FakeResponse {
  const request = (call.body ?? {}) as { contents?: unknown; generateContentRequest?: { model?: unknown } };
  if (request.contents !== undefined && request.generateContentRequest !== undefined) {
    return googleReplies.error(400, "contents and generateContentRequest are mutually exclusive");
  }
  const prompt = request.generateContentRequest ?? request;
  if (request.generateContentRequest && typeof request.generateContentRequest.model !== "string") {
    return googleReplies.error(400, "* GenerateContentRequest.model: unexpected model name format");
  }
  const totalTokens = estimateTokens(promptText(prompt));
  return {
    type: "json",
    body: { totalTokens, promptTokensDetails: [{ modality: "TEXT", tokenCount: totalTokens }] },
  };
}

interface EmbedRequest {
  content?: { parts?: Array<{ text?: string }> };
  outputDimensionality?: number;
}

function includesThoughts(body: unknown): boolean {
  const config = (
    body as { generationConfig?: { thinkingConfig?: { includeThoughts?: unknown } } } | undefined
  )?.generationConfig;
  return config?.thinkingConfig?.includeThoughts === true;
}

/** A default or scripted stream: an optional thought summary, then the text in pieces, STOP on the last. */
function streamEvents(
  pieces: string[],
  usage: FakeUsage & { thoughtsTokens?: number },
  model: string,
  thought?: string,
): FakeSseEvent[] {
  const texts = pieces.length > 0 ? pieces : [""];
  return chunkEvents(googleResponse([], { finishReason: "STOP", usage, model }) as GoogleResponseBody, [
    ...(thought ? [[{ text: thought, thought: true }]] : []),
    ...texts.map((text) => [{ text }]),
  ]);
}

interface GoogleResponseBody {
  candidates?: Array<{ content?: { parts?: unknown[] } } & Record<string, unknown>>;
  usageMetadata?: { candidatesTokenCount?: number; totalTokenCount?: number } & Record<string, unknown>;
  [field: string]: unknown;
}

/**
 * An answer streamed as Gemini streams it: each chunk a whole
 * GenerateContentResponse with some of the parts, the finish reason (and
 * whatever else the candidate says) on the last. Gemini repeats usage on
 * every chunk, counting output so far; the last is final.
 */
function chunkEvents(answer: GoogleResponseBody, chunks: unknown[][]): FakeSseEvent[] {
  const { candidates: [candidate = {}] = [], usageMetadata: usage, ...rest } = answer;
  const isThought = (parts: unknown[]) => parts.every((part) => (part as { thought?: unknown }).thought);
  const answering = chunks.filter((parts) => !isThought(parts)).length;
  const output = usage?.candidatesTokenCount ?? 0;
  let answered = 0;
  return chunks.map((parts, index) => {
    const isLast = index === chunks.length - 1;
    if (!isThought(parts)) answered++;
    const outputSoFar = Math.round((output * answered) / Math.max(1, answering));
    const content = { parts, role: "model" };
    const chunk = {
      candidates: [isLast ? { ...candidate, content } : { content, index: candidate.index ?? 0 }],
      ...(usage
        ? {
            usageMetadata: isLast
              ? usage
              : {
                  ...usage,
                  candidatesTokenCount: outputSoFar,
                  totalTokenCount: (usage.totalTokenCount ?? 0) - output + outputSoFar,
                },
          }
        : {}),
      ...rest,
    };
    return { data: JSON.stringify(chunk) };
  });
}

/**
 * The stream `streamGenerateContent` answers instead of a scripted
 * GenerateContentResponse: its text in pieces, thoughts and function calls
 * whole (a text part's signature on its last piece), one chunk of the whole
 * response when it has no parts (a blocked prompt). Other bodies are left as they are.
 */
function streamedResponse(call: RecordedCall, answer: FakeJsonResponse): FakeResponse | undefined {
  if (!call.path.endsWith(":streamGenerateContent")) return undefined;
  const body = answer.body as GoogleResponseBody | undefined;
  if (typeof body !== "object" || body === null) return undefined;
  if (!Array.isArray(body.candidates) && body.promptFeedback === undefined) return undefined;
  const parts = body.candidates?.length === 1 ? (body.candidates[0]?.content?.parts ?? []) : [];
  if (!Array.isArray(parts) || !parts.every((part) => typeof part === "object" && part !== null)) {
    return undefined;
  }
  const events =
    parts.length === 0 ? [{ data: JSON.stringify(body) }] : chunkEvents(body, parts.flatMap(partChunks));
  return { type: "sse", headers: answer.headers, events, delayMs: answer.delayMs };
}

function partChunks(part: unknown): unknown[][] {
  const { text, thought, ...rest } = part as { text?: unknown; thought?: unknown };
  if (typeof text !== "string" || thought) return [[part]];
  const pieces = splitIntoPieces(text);
  return pieces.map((piece, index) => [
    index === pieces.length - 1 ? { text: piece, ...rest } : { text: piece },
  ]);
}

function googleResponse(
  parts: unknown[],
  options: {
    finishReason?: string;
    usage: FakeUsage & { thoughtsTokens?: number };
    model?: string;
    responseId?: string;
  },
): unknown {
  const { usage } = options;
  const thoughts = usage.thoughtsTokens ?? 0;
  return {
    candidates: [
      {
        content: { parts, role: "model" },
        ...(options.finishReason ? { finishReason: options.finishReason } : {}),
        index: 0,
      },
    ],
    usageMetadata: {
      promptTokenCount: usage.inputTokens,
      candidatesTokenCount: usage.outputTokens,
      // Thinking is counted apart from the candidates, and in the total.
      ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
      totalTokenCount: usage.inputTokens + usage.outputTokens + thoughts,
      ...(usage.cachedInputTokens ? { cachedContentTokenCount: usage.cachedInputTokens } : {}),
      promptTokensDetails: [{ modality: "TEXT", tokenCount: usage.inputTokens }],
    },
    modelVersion: options.model ?? scriptedModelVersion,
    responseId: options.responseId ?? newResponseId(),
  };
}

const googleStatusNames: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL",
  501: "NOT_IMPLEMENTED",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

function googleErrorBody(code: number, message: string, retryAfterSeconds?: number): unknown {
  const details =
    retryAfterSeconds !== undefined
      ? [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${retryAfterSeconds}s` }]
      : undefined;
  return {
    error: { code, message, status: googleStatusNames[code] ?? "UNKNOWN", ...(details ? { details } : {}) },
  };
}

function promptText(body: unknown): string {
  const request = body as
    | { contents?: Array<{ parts?: unknown[] }>; systemInstruction?: { parts?: unknown[] } }
    | undefined;
  const parts = [
    ...(request?.systemInstruction?.parts ?? []),
    ...(request?.contents ?? []).flatMap((c) => c.parts ?? []),
  ];
  return parts
    .map((part) => {
      const text = (part as { text?: unknown }).text;
      return typeof text === "string" ? text : JSON.stringify(part);
    })
    .join("");
}

function splitIntoPieces(text: string): string[] {
  return text.split(/(?= )/);
}

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Gemini response ids are short URL-safe base64 strings. */
function newResponseId(): string {
  return randomBytes(16).toString("base64url");
}
