import { fakeEmbeddingVector } from "../fake-embedding-vector.js";
import { type FakeProvider, type FakeReplies, retryAfterHeaders } from "../fake-provider.js";
import { type FakeResponse, FakeUpstreamServer, type RecordedCall } from "../fake-upstream-server.js";

/*
 * A fake Voyage AI API (api.voyageai.com/v1): POST /embeddings with
 * `{object: "list", data: [{object: "embedding", embedding, index}], model,
 * usage: {total_tokens}}` and `{detail}` error bodies. Voyage has no chat, so
 * the chat route and every chat reply answer 404 as its API does for an
 * unknown path.
 */

const embeddingsPath = "/v1/embeddings";
const chatPath = "/v1/chat/completions";
/** voyage-3 embeds in 1024 dimensions unless asked for another `output_dimension`. */
const defaultDimensions = 1024;

export async function createFakeVoyage(): Promise<FakeProvider> {
  const server = await new FakeUpstreamServer([
    { path: embeddingsPath, respond: answerEmbeddings },
    { path: chatPath, respond: () => notFound },
  ]).listen();
  return {
    server,
    baseUrl: `${server.url}/v1`,
    replies: voyageReplies,
    enqueueChat: (...responses) => server.enqueue(chatPath, ...responses),
    enqueueEmbeddings: (...responses) => server.enqueue(embeddingsPath, ...responses),
    chatCalls: () => server.callsTo(chatPath),
    embeddingCalls: () => server.callsTo(embeddingsPath),
    close: () => server.close(),
  };
}

const notFound: FakeResponse = { type: "json", status: 404, body: { detail: "Not Found" } };

export const voyageReplies: FakeReplies = {
  text: () => notFound,
  toolCall: () => notFound,
  stream: () => notFound,
  streamError: () => notFound,
  error: (status, message, options = {}) => ({
    type: "json",
    status,
    headers: retryAfterHeaders(options.retryAfterSeconds),
    body: { detail: message },
  }),
};

/** An embeddings answer with these vectors, indexed in order. */
export function voyageEmbeddingsReply(
  vectors: number[][],
  options: { model?: string; totalTokens?: number } = {},
) {
  return {
    type: "json",
    body: {
      object: "list",
      data: vectors.map((embedding, index) => ({ object: "embedding", embedding, index })),
      model: options.model ?? "voyage-3",
      usage: { total_tokens: options.totalTokens ?? vectors.length },
    },
  } satisfies FakeResponse;
}

function answerEmbeddings(call: RecordedCall): FakeResponse {
  const request = call.body as { input?: unknown; model?: unknown; output_dimension?: unknown } | undefined;
  const input = typeof request?.input === "string" ? [request.input] : request?.input;
  if (!Array.isArray(input) || input.length === 0 || typeof request?.model !== "string") {
    return voyageReplies.error(
      400,
      "Request body must contain 'input' (a string or list of strings) and 'model'.",
    );
  }
  const texts = input.map(String);
  const dimensions =
    typeof request.output_dimension === "number" ? request.output_dimension : defaultDimensions;
  return voyageEmbeddingsReply(
    texts.map((text) => fakeEmbeddingVector(text, dimensions)),
    {
      model: request.model,
      totalTokens: texts.reduce((total, text) => total + Math.max(1, Math.ceil(text.length / 4)), 0),
    },
  );
}
