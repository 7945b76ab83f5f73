import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { clientKeys, upstreamCalls, usageOf } from "./security-fixtures.js";

/**
 * Property-based tests that throw random and malformed input at the running
 * server (fast-check picks a new seed each run and prints it on failure).
 * Properties, for every case: no 5xx, the process keeps serving, and a
 * spending request books usage exactly when it was served, so a refused one
 * books nothing. The fuzzing key may act for proj-fuzz only, which makes
 * proj-fuzz's usage the count of served spending requests.
 */

/** FUZZ_SCALE=10 multiplies every run count, for a longer hunt than the default suite's. */
const scale = Number(process.env.FUZZ_SCALE ?? 1);
const runs = { jsonRpc: 500 * scale, toolArguments: 120 * scale, v1Bodies: 300 * scale };
const fuzzKey = "ck-test-fuzz-0f1e2d3c4b5a6978";
const tools = ["chat_completion", "create_embeddings", "count_tokens", "list_models", "get_usage"] as const;
const spendingTools = new Set(["chat_completion", "create_embeddings"]);

/**
 * The MCP door's 5xx: an internal error, or a provider failure the fakes
 * never cause on their own (they answer every request they can read), so
 * it can only come from the gateway failing on the input.
 */
const gatewayFailure = /GW_ERR_(INTERNAL|ALL_PROVIDERS_FAILED|STREAM_INTERRUPTED|DEADLINE_EXCEEDED)/;

/** What a JSON-RPC answer reports as a failure of the server, if anything. */
function serverFailureIn(answer: Record<string, unknown>): string | undefined {
  const error = answer.error as { code?: unknown; message?: unknown } | undefined;
  if (error?.code === -32603) return `-32603 ${String(error.message)}`;
  return gatewayFailure.exec(JSON.stringify(answer.result ?? null))?.[0];
}

/** Any JSON-ish value, kept small so a case stays a few milliseconds. */
const anything = fc.anything({ maxDepth: 3, maxKeys: 5, withNullPrototype: false });

/** An object with these fields, the optional ones present or not. */
function object(
  required: Record<string, fc.Arbitrary<unknown>>,
  optional: Record<string, fc.Arbitrary<unknown>> = {},
): fc.Arbitrary<Record<string, unknown>> {
  return fc.record({ ...required, ...optional }, { requiredKeys: Object.keys(required) });
}

/**
 * Half the cases valid, half corrupted at one random place: the value at a
 * random path (indices pick a key level by level, one past the last key adds
 * a junk key) replaced by anything or deleted. Valid input reaches the deep
 * code paths (routing, adapters, booking); corruptions hit every validation
 * on the way, at every depth.
 */
function corrupted<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<T> {
  const change = fc.tuple(
    fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
    fc.option(anything, { nil: undefined }),
  );
  return fc
    .tuple(valid, fc.option(change, { nil: undefined, freq: 2 }))
    .map(([value, edit]) => (edit ? corruptAt(structuredClone(value), edit[0], edit[1]) : value));
}

function corruptAt<T>(root: T, path: number[], replacement: unknown): T {
  let node: unknown = root;
  for (const [depth, index] of path.entries()) {
    if (typeof node !== "object" || node === null) break;
    const container = node as Record<string, unknown>;
    const keys = Object.keys(container);
    const key = keys[index % (keys.length + 1)] ?? "junk";
    const child = container[key];
    if (depth === path.length - 1 || typeof child !== "object" || child === null) {
      if (replacement === undefined) delete container[key];
      else container[key] = replacement;
      break;
    }
    node = child;
  }
  return root;
}

const text = fc.string({ minLength: 1, maxLength: 40 });
const message = object(
  { role: fc.constantFrom("system", "developer", "user", "assistant", "tool"), content: text },
  {
    name: fc.stringMatching(/^[a-z]{1,8}$/),
    tool_call_id: fc.stringMatching(/^call_[a-z0-9]{1,8}$/),
    tool_calls: fc.array(
      object({
        id: fc.stringMatching(/^call_[a-z0-9]{1,8}$/),
        type: fc.constant("function"),
        function: object({
          name: fc.stringMatching(/^[a-z_]{1,10}$/),
          arguments: fc.json({ maxDepth: 2 }),
        }),
      }),
      { maxLength: 2 },
    ),
  },
);
const messages = fc.array(message, { minLength: 1, maxLength: 3 });
const chatFields = {
  max_tokens: fc.integer({ min: 1, max: 64 }),
  temperature: fc.double({ min: 0, max: 2, noNaN: true }),
  top_p: fc.double({ min: 0, max: 1, noNaN: true }),
  stop: fc.oneof(fc.string({ maxLength: 5 }), fc.array(fc.string({ maxLength: 5 }), { maxLength: 4 })),
  tools: fc.array(
    object({
      type: fc.constant("function"),
      function: object(
        { name: fc.stringMatching(/^[a-z_]{1,10}$/) },
        {
          description: text,
          parameters: fc.dictionary(fc.string({ maxLength: 6 }), anything, { maxKeys: 3 }),
        },
      ),
    }),
    { maxLength: 2 },
  ),
  tool_choice: fc.oneof(
    fc.constantFrom("none", "auto", "required"),
    object({
      type: fc.constant("function"),
      function: object({ name: fc.constantFrom("f", "g") }),
    }),
  ),
  response_format: fc.oneof(
    object({ type: fc.constantFrom("text", "json_object") }),
    object({
      type: fc.constant("json_schema"),
      json_schema: object(
        { name: fc.stringMatching(/^[a-z]{1,8}$/) },
        {
          schema: fc.dictionary(fc.string({ maxLength: 6 }), anything, { maxKeys: 3 }),
          strict: fc.boolean(),
        },
      ),
    }),
  ),
};
/** project_id: mostly the fuzz project, else another project or an id outside the pattern. */
const projectId = fc.oneof(
  { weight: 8, arbitrary: fc.constant("proj-fuzz") },
  { weight: 1, arbitrary: fc.constantFrom("proj-other", "", "a b", "{p:x}", "x".repeat(129)) },
);
const caller = { project_id: projectId, agent_id: fc.constantFrom("fuzzer", "fuzzer-2") };
const chatModels = ["gpt-4.1-mini", "claude-haiku", "gemini-flash", "deepseek-coder", "o3"] as const;
const embeddingModels = ["text-embedding-3-large", "voyage-3", "gemini-embedding"] as const;

/** A model group, or a concrete model with optional fallbacks. */
const chatTarget = fc.oneof(
  object({ model_group: fc.constantFrom("fast", "reasoning", "code", "vision") }),
  object(
    { model: fc.constantFrom(...chatModels) },
    { fallbacks: fc.array(fc.constantFrom(...chatModels), { maxLength: 2 }) },
  ),
  fc.constant({}),
);

const toolArguments: Record<(typeof tools)[number], fc.Arbitrary<unknown>> = {
  chat_completion: corrupted(
    fc
      .tuple(object({ ...caller, messages }, { ...chatFields, stream: fc.boolean() }), chatTarget)
      .map(([args, target]) => ({ ...args, ...target })),
  ),
  create_embeddings: corrupted(
    object(
      { ...caller, input: fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 3 })) },
      {
        model_group: fc.constant("embedding"),
        dimensions: fc.integer({ min: 1, max: 512 }),
      },
    ),
  ),
  count_tokens: corrupted(
    object(caller, {
      text: fc.string({ maxLength: 60 }),
      messages,
      model: fc.constantFrom("gpt-4", "gpt-4o", "o3", "claude-opus-4-5", "gemini-flash"),
    }),
  ),
  list_models: corrupted(object(caller, { model_group: fc.constantFrom("fast", "reasoning", "embedding") })),
  get_usage: corrupted(
    object(caller, {
      period: fc.constantFrom("hour", "day", "week", "month", "all"),
      filter_agent_id: fc.constantFrom("fuzzer", "fuzzer-2"),
    }),
  ),
};

const jsonRpcMessage = corrupted(
  object(
    {
      jsonrpc: fc.constant("2.0"),
      method: fc.oneof(
        fc.constantFrom(
          "ping",
          "initialize",
          "tools/list",
          "tools/call",
          "notifications/initialized",
          "notifications/cancelled",
          "resources/list",
          "prompts/get",
          "logging/setLevel",
          "completion/complete",
        ),
        fc.string({ maxLength: 20 }),
      ),
    },
    {
      id: fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.constant(null)),
      params: fc.oneof(
        object({ name: fc.constantFrom(...tools, "rm_rf"), arguments: anything }, { _meta: anything }),
        anything,
      ),
    },
  ),
);
/** Raw text, any JSON, JSON-RPC-shaped messages and batches of them. */
const jsonRpcBody: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.json({ maxDepth: 3 }),
  jsonRpcMessage.map((value) => JSON.stringify(value)),
  fc.array(jsonRpcMessage, { maxLength: 3 }).map((value) => JSON.stringify(value)),
);

const chatBody = corrupted(
  object(
    { model: fc.constantFrom("fast", "reasoning", ...chatModels), messages },
    {
      ...chatFields,
      stream: fc.boolean(),
      stream_options: object({ include_usage: fc.boolean() }),
      max_completion_tokens: fc.integer({ min: 1, max: 64 }),
      n: fc.constant(1),
      user: fc.string({ maxLength: 10 }),
    },
  ),
);
const embeddingsBody = corrupted(
  object(
    {
      model: fc.constantFrom("embedding", ...embeddingModels),
      input: fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 3 })),
    },
    { dimensions: fc.integer({ min: 1, max: 512 }), encoding_format: fc.constantFrom("float", "base64") },
  ),
);
/** A header value fetch can send: printable ASCII. */
const headerValue = fc.stringMatching(/^[!-~][ -~]{0,30}$/);

/** The JSON-RPC answers of a POST /mcp, from a JSON body or an SSE stream. */
function rpcAnswers(contentType: string | null, text: string): Array<Record<string, unknown>> {
  const payloads = contentType?.includes("text/event-stream")
    ? text
        .split("\n")
        .filter((line) => line.startsWith("data: "))
        .map((line) => line.slice(6))
    : text
      ? [text]
      : [];
  return payloads.flatMap((payload) => {
    const parsed = parseOrUndefined(payload);
    if (typeof parsed !== "object" || parsed === null) return [];
    return (Array.isArray(parsed) ? parsed : [parsed]) as Array<Record<string, unknown>>;
  });
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

describe("fuzzing the running server", () => {
  let harness: Harness;
  const ran = { jsonRpc: 0, toolArguments: 0, v1Bodies: 0 };
  let served = 0;
  beforeAll(async () => {
    harness = await startHarness({
      env: {
        LLM_GATEWAY_API_KEYS: `${fuzzKey}=proj-fuzz,${clientKeys.admin}=*`,
        LLM_GATEWAY_MAX_RETRIES: "0",
        LLM_GATEWAY_BODY_LIMIT_BYTES: "65536",
      },
    });
  });
  afterAll(async () => {
    const total = ran.jsonRpc + ran.toolArguments + ran.v1Bodies;
    console.info(
      `fuzz cases run: ${total} (JSON-RPC messages ${ran.jsonRpc}, tool arguments ${ran.toolArguments}, /v1 bodies ${ran.v1Bodies}); served spending requests: ${served}`,
    );
    await harness.close();
  });

  const postMcp = (body: string) =>
    fetch(new URL("/mcp", harness.url), {
      method: "POST",
      headers: {
        authorization: `Bearer ${fuzzKey}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body,
    });

  /** Counts the served spending calls among a POST /mcp's requests and answers. */
  function servedSpending(sent: unknown, answers: Array<Record<string, unknown>>): number {
    const requests = (Array.isArray(sent) ? sent : [sent]) as Array<Record<string, unknown> | null>;
    let count = 0;
    for (const answer of answers) {
      const request = requests.find((candidate) => candidate?.id === answer.id && answer.id !== undefined);
      const name = (request?.params as { name?: unknown } | undefined)?.name;
      const result = answer.result as { isError?: boolean } | undefined;
      if (request?.method === "tools/call" && spendingTools.has(String(name)) && result && !result.isError)
        count += 1;
    }
    return count;
  }

  it(`answers ${runs.jsonRpc} random and malformed JSON-RPC messages without a 5xx`, async () => {
    await fc.assert(
      fc.asyncProperty(jsonRpcBody, async (body) => {
        ran.jsonRpc += 1;
        const response = await postMcp(body);
        expect(response.status, body).toBeLessThan(500);
        const text = await response.text();
        const answers = rpcAnswers(response.headers.get("content-type"), text);
        for (const answer of answers) expect(serverFailureIn(answer), body).toBeUndefined();
        if (response.status === 200) served += servedSpending(parseOrUndefined(body), answers);
      }),
      { numRuns: runs.jsonRpc },
    );
  });

  for (const tool of tools) {
    it(`answers ${runs.toolArguments} random ${tool} arguments with a result or a clean refusal`, async () => {
      await fc.assert(
        fc.asyncProperty(toolArguments[tool], async (args) => {
          ran.toolArguments += 1;
          const request = {
            jsonrpc: "2.0",
            id: 1,
            method: "tools/call",
            params: { name: tool, arguments: args },
          };
          const response = await postMcp(JSON.stringify(request));
          expect(response.status).toBeLessThan(500);
          const [answer] = rpcAnswers(response.headers.get("content-type"), await response.text());
          expect(answer && serverFailureIn(answer), JSON.stringify(args)).toBeUndefined();
          const servedNow = servedSpending(request, answer ? [answer] : []);
          // The fuzzing key may act for proj-fuzz only.
          if (servedNow > 0) expect((args as { project_id?: unknown }).project_id).toBe("proj-fuzz");
          served += servedNow;
        }),
        { numRuns: runs.toolArguments },
      );
    });
  }

  for (const [path, body] of [
    ["/v1/chat/completions", chatBody],
    ["/v1/embeddings", embeddingsBody],
  ] as const) {
    it(`answers ${runs.v1Bodies} random ${path} bodies without a 5xx`, async () => {
      const rawBody = fc.oneof(
        { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
        { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
        { weight: 6, arbitrary: body.map((value) => JSON.stringify(value)) },
      );
      const headers = fc.record(
        {
          "content-type": fc.oneof(
            { weight: 8, arbitrary: fc.constantFrom("application/json", "application/json; charset=utf-8") },
            { weight: 1, arbitrary: fc.constantFrom("text/plain", "application/x-www-form-urlencoded") },
          ),
          "x-project-id": fc.oneof(fc.constant("proj-fuzz"), headerValue),
          "x-agent-id": fc.oneof(fc.constant("fuzzer"), headerValue),
        },
        { requiredKeys: ["content-type"] },
      );
      await fc.assert(
        fc.asyncProperty(rawBody, headers, async (text, sent) => {
          ran.v1Bodies += 1;
          const response = await fetch(new URL(path, harness.url), {
            method: "POST",
            headers: { authorization: `Bearer ${fuzzKey}`, ...sent },
            body: text,
          });
          const answer = await response.text();
          expect(response.status, `${text} -> ${answer}`).toBeLessThan(500);
          if (response.status === 200) {
            served += 1;
            expect([undefined, "proj-fuzz"]).toContain(sent["x-project-id"]);
          } else {
            expect(JSON.parse(answer)).toMatchObject({ error: { code: expect.stringMatching(/^GW_ERR_/) } });
          }
        }),
        { numRuns: runs.v1Bodies },
      );
    });
  }

  // The SDK answers these with -32603 and a zod dump (modelcontextprotocol/typescript-sdk#2284); the door checks them first.
  it("answers schema-invalid params of spec methods with -32602", async () => {
    for (const invalid of [
      { method: "initialize", params: { protocolVersion: 5, capabilities: {}, clientInfo: {} } },
      { method: "tools/list", params: { cursor: 5 } },
    ]) {
      const response = await postMcp(JSON.stringify({ jsonrpc: "2.0", id: 1, ...invalid }));
      const [answer] = rpcAnswers(response.headers.get("content-type"), await response.text());
      expect(answer?.error).toMatchObject({ code: -32602 });
    }
  });

  it("still serves, booked exactly the served requests, and no circuit opened", async () => {
    const health = await fetch(new URL("/health", harness.url));
    expect(health.status).toBe(200);
    const report = (await health.json()) as {
      providers: Record<string, { circuits: Record<string, string> }>;
    };
    for (const provider of Object.values(report.providers)) {
      for (const state of Object.values(provider.circuits)) expect(state).toBe("closed");
    }
    const usage = await usageOf(harness, "proj-fuzz");
    expect(usage.requests).toBe(served);
    expect(upstreamCalls(harness)).toBeGreaterThanOrEqual(served);
    expect(ran.jsonRpc + ran.toolArguments + ran.v1Bodies).toBe(
      runs.jsonRpc + runs.toolArguments * tools.length + runs.v1Bodies * 2,
    );
  });
});
