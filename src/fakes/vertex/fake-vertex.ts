import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createFakeAnthropic, type FakeAnthropic } from "../anthropic/fake-anthropic.js";
import { fakeEmbeddingVector } from "../fake-embedding-vector.js";
import type { FakeProvider } from "../fake-provider.js";
import { createFakeGoogle } from "../google/fake-google.js";
import { createFakeServiceAccount, FakeGoogleOAuth, type FakeServiceAccount } from "./fake-google-oauth.js";

/*
 * A fake Vertex AI: Google's OAuth token endpoint and a project's publisher
 * models, Gemini (`publishers/google`: generateContent,
 * streamGenerateContent?alt=sse, countTokens, predict for embeddings) and Claude
 * (`publishers/anthropic`: rawPredict, streamRawPredict,
 * count-tokens:rawPredict). Vertex's own checks are made here (bearer
 * token, project and location, Claude's `anthropic_version` and no
 * `model` in the body); the answers come from the fake Gemini API and the
 * fake Anthropic behind it, whose scripts and checks are the same.
 */

const modelPath =
  /^\/(?:v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/(google|anthropic)\/models\/([^/:]+):([A-Za-z]+)$/;
const vertexAnthropicVersion = "vertex-2023-10-16";
/** The key the fake passes to the fakes behind it; never one a test configures. */
const innerKey = "vertex-inner-fake-key-0001";

/** One call Vertex received, as sent (before it reached the fake behind). */
export interface VertexCall {
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export interface FakeVertex {
  /** The value to configure as the provider's base URL (`VERTEX_BASE_URL`). */
  readonly baseUrl: string;
  readonly tokenUrl: string;
  readonly account: FakeServiceAccount;
  readonly location: string;
  readonly oauth: FakeGoogleOAuth;
  /** Gemini's answers: script with `gemini.enqueueChat(gemini.replies.text(...))`. */
  readonly gemini: FakeProvider;
  /** Claude's answers: script with `claude.enqueueChat(claude.replies.text(...))`. */
  readonly claude: FakeAnthropic;
  /** Calls to the model routes, as Vertex received them. */
  calls(publisher?: "google" | "anthropic"): VertexCall[];
  close(): Promise<void>;
}

export async function createFakeVertex(
  options: { location?: string; projectId?: string } = {},
): Promise<FakeVertex> {
  const location = options.location ?? "us-east5";
  const gemini = await createFakeGoogle();
  const claude = await createFakeAnthropic();
  const calls: Array<VertexCall & { publisher: string }> = [];
  let oauth: FakeGoogleOAuth | undefined;
  let account: FakeServiceAccount | undefined;

  const server = createServer((incoming, response) => {
    readBody(incoming)
      .then((text) => {
        const url = new URL(incoming.url ?? "/", "http://vertex");
        if (incoming.method === "POST" && url.pathname === "/token") {
          const answer = (oauth as FakeGoogleOAuth).exchange(text);
          return sendJson(response, answer.status, answer.body);
        }
        const match = modelPath.exec(url.pathname);
        if (incoming.method !== "POST" || !match) {
          return sendGoogleError(
            response,
            404,
            "NOT_FOUND",
            `The requested URL ${url.pathname} was not found.`,
          );
        }
        const [, project, callLocation, publisher, model, method] = match as unknown as string[];
        const body = parseJson(text);
        calls.push({
          publisher: publisher as string,
          path: url.pathname,
          query: url.searchParams,
          headers: incoming.headers,
          body,
        });
        if (!(oauth as FakeGoogleOAuth).accepts(incoming.headers.authorization)) {
          return sendGoogleError(
            response,
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
          );
        }
        if (project !== (account as FakeServiceAccount).projectId || callLocation !== location) {
          return sendGoogleError(
            response,
            404,
            "NOT_FOUND",
            `Publisher Model \`projects/${project}/locations/${callLocation}/publishers/${publisher}/models/${model}\` not found.`,
          );
        }
        if (publisher === "google" && method === "predict") {
          return sendJson(response, ...answerEmbeddings(model as string, body));
        }
        if (publisher === "google")
          return forwardToGemini(response, gemini, model as string, method as string, url, text);
        return forwardToClaude(response, claude, model as string, method as string, body);
      })
      .catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  account = createFakeServiceAccount(`${baseUrl}/token`, options.projectId);
  oauth = new FakeGoogleOAuth(account);
  return {
    baseUrl,
    tokenUrl: `${baseUrl}/token`,
    account,
    location,
    oauth,
    gemini,
    claude,
    calls: (publisher) => calls.filter((call) => !publisher || call.publisher === publisher),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([gemini.close(), claude.close()]);
    },
  };
}

/**
 * `predict` on an embedding model: a vector per instance with its token
 * count, `outputDimensionality` honoured (text-embedding-005 answers 768
 * dimensions, gemini-embedding-001 3072).
 */
function answerEmbeddings(model: string, body: unknown): [number, unknown] {
  const { instances, parameters } = (body ?? {}) as {
    instances?: Array<{ content?: unknown }>;
    parameters?: { outputDimensionality?: number };
  };
  if (!Array.isArray(instances) || instances.length === 0) {
    return [400, { error: { code: 400, message: "Invalid instances: empty.", status: "INVALID_ARGUMENT" } }];
  }
  const dimensions = parameters?.outputDimensionality ?? (model.startsWith("gemini-embedding") ? 3072 : 768);
  const predictions = instances.map((instance) => {
    const text = String(instance.content ?? "");
    return {
      embeddings: {
        values: fakeEmbeddingVector(text, dimensions),
        statistics: { token_count: Math.max(1, Math.ceil(text.length / 4)), truncated: false },
      },
    };
  });
  const characters = instances.reduce((total, instance) => total + String(instance.content ?? "").length, 0);
  return [200, { predictions, metadata: { billableCharacterCount: characters } }];
}

/** Gemini on Vertex takes the Gemini API's bodies; only the path and the auth differ. */
function forwardToGemini(
  response: ServerResponse,
  gemini: FakeProvider,
  model: string,
  method: string,
  url: URL,
  text: string,
) {
  if (!["generateContent", "streamGenerateContent", "countTokens"].includes(method)) {
    return sendGoogleError(
      response,
      400,
      "INVALID_ARGUMENT",
      `Method ${method} is not supported by the fake.`,
    );
  }
  forward(
    response,
    `${gemini.baseUrl}/v1beta/models/${model}:${method}${url.search}`,
    { "x-goog-api-key": innerKey },
    text,
  );
}

/**
 * Claude on Vertex: Anthropic's Messages body with the model in the URL and
 * the version in the body; what Anthropic then answers, errors included.
 */
function forwardToClaude(
  response: ServerResponse,
  claude: FakeAnthropic,
  model: string,
  method: string,
  body: unknown,
) {
  const fields = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const refuse = (message: string) =>
    sendJson(response, 400, { type: "error", error: { type: "invalid_request_error", message } });
  if (method !== "rawPredict" && method !== "streamRawPredict") {
    return sendGoogleError(
      response,
      400,
      "INVALID_ARGUMENT",
      `Method ${method} is not supported for this model.`,
    );
  }
  if (fields.anthropic_version === undefined) return refuse("anthropic_version: Field required");
  // The documented value, or an Anthropic API version (the official Vertex SDK copies its `anthropic-version` header).
  if (
    fields.anthropic_version !== vertexAnthropicVersion &&
    !/^\d{4}-\d{2}-\d{2}$/.test(String(fields.anthropic_version))
  ) {
    return refuse(`anthropic_version: Input should be '${vertexAnthropicVersion}'`);
  }
  const { anthropic_version: _version, ...messages } = fields;
  if (model === "count-tokens") {
    return forward(
      response,
      `${claude.baseUrl}/v1/messages/count_tokens`,
      anthropicHeaders(),
      JSON.stringify(messages),
    );
  }
  if (fields.model !== undefined) return refuse("model: Extra inputs are not permitted");
  if (method === "streamRawPredict" && fields.stream !== true) {
    return refuse("streamRawPredict requires `stream: true` in the request body");
  }
  forward(
    response,
    `${claude.baseUrl}/v1/messages`,
    anthropicHeaders(),
    JSON.stringify({ model, ...messages }),
  );
}

function anthropicHeaders(): Record<string, string> {
  return { "x-api-key": innerKey, "anthropic-version": "2023-06-01" };
}

/** Passes the request on and the answer back as it arrives (streams, cuts and all). */
function forward(response: ServerResponse, to: string, headers: Record<string, string>, body: string): void {
  const upstream = request(
    to,
    { method: "POST", headers: { ...headers, "content-type": "application/json" } },
    (answer) => {
      const { "content-length": _length, connection: _connection, ...answerHeaders } = answer.headers;
      response.writeHead(answer.statusCode ?? 502, answerHeaders);
      answer.pipe(response);
      answer.on("aborted", () => response.destroy());
      answer.on("error", () => response.destroy());
    },
  );
  upstream.on("error", () => response.destroy());
  response.on("close", () => {
    if (!response.writableEnded) upstream.destroy();
  });
  upstream.end(body);
}

function sendGoogleError(response: ServerResponse, code: number, status: string, message: string): void {
  sendJson(response, code, { error: { code, message, status } });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
  response.end(JSON.stringify(body));
}

async function readBody(incoming: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of incoming) text += chunk;
  return text;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
