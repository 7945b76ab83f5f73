import type { Client } from "@modelcontextprotocol/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RecordedCall } from "../../src/fakes/fake-upstream-server.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { connectMcp } from "../helpers/mcp-client.js";
import { OtlpReceiver, type ReceivedSpan } from "../helpers/otlp-receiver.js";

const SERVER = 2;
const CLIENT = 3;
const callerTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const callerSpanId = "00f067aa0ba902b7";
const callerTraceparent = `00-${callerTraceId}-${callerSpanId}-01`;

/** reasoning = anthropic (claude-opus-4-5) -> openai (gpt-4.1) -> google. */
function chat(baseUrl: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(new URL("/v1/chat/completions", baseUrl), {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({
      model: "reasoning",
      max_tokens: 256,
      temperature: 0.2,
      messages: [{ role: "user", content: "Say hello to the tracer" }],
    }),
  });
}

/** Flushes the gateway's batch and waits until the receiver holds spans that satisfy `done`. */
async function spansWhen(
  harness: Harness,
  receiver: OtlpReceiver,
  done: (spans: ReceivedSpan[]) => boolean,
): Promise<ReceivedSpan[]> {
  const until = Date.now() + 5000;
  while (Date.now() < until) {
    await harness.tracer?.flush();
    if (done(receiver.spans)) return receiver.spans;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`spans never matched; got ${JSON.stringify(receiver.spans.map((span) => span.name))}`);
}

function traceparentOf(call: RecordedCall | undefined): { traceId: string; spanId: string } {
  const value = call?.headers.traceparent;
  const match = typeof value === "string" ? /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(value) : null;
  if (!match) throw new Error(`no traceparent header on the provider's request: ${String(value)}`);
  return { traceId: match[1] as string, spanId: match[2] as string };
}

describe("OpenTelemetry traces, exported to a real OTLP/HTTP receiver", () => {
  let receiver: OtlpReceiver;
  let harness: Harness;
  let client: Client;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    harness = await startHarness({
      env: {
        LLM_GATEWAY_MAX_RETRIES: "0",
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_SERVICE_NAME: "gateway-under-test",
      },
    });
    client = await connectMcp(harness.url);
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
    receiver.spans.length = 0;
  });
  afterAll(async () => {
    await client.close();
    await harness.close();
    await receiver.close();
  });

  /**
   * The provider's call carried the caller's trace, with the span id of an attempt span whose
   * parent is the request span; returns the request span.
   */
  async function expectAttemptInCallerTrace(
    call: RecordedCall | undefined,
  ): Promise<ReceivedSpan | undefined> {
    const sent = traceparentOf(call);
    expect(sent.traceId).toBe(callerTraceId);
    const spans = await spansWhen(harness, receiver, (all) =>
      all.some((span) => span.spanId === sent.spanId),
    );
    const attempt = spans.find((span) => span.spanId === sent.spanId);
    const request = spans.find((span) => span.traceId === callerTraceId && span.kind === SERVER);
    expect(attempt?.kind).toBe(CLIENT);
    expect(attempt?.parentSpanId).toBe(request?.spanId);
    return request;
  }

  it("a failover: the caller's trace, one request span, two attempt spans, traceparent sent to each provider", async () => {
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
    openai.enqueueChat(openai.replies.text("Hello from the fallback", { inputTokens: 12, outputTokens: 5 }));
    const response = await chat(harness.url, { traceparent: callerTraceparent, tracestate: "vendor=abc" });
    expect(response.status).toBe(200);
    const requestId = response.headers.get("x-request-id");

    const spans = await spansWhen(
      harness,
      receiver,
      (all) => all.filter((s) => s.traceId === callerTraceId).length >= 3,
    );
    const ours = spans.filter((span) => span.traceId === callerTraceId);
    const request = ours.find((span) => span.kind === SERVER);
    expect(request).toBeDefined();
    if (!request) return;
    // The caller's span is the parent: the gateway joins the caller's trace.
    expect(request.parentSpanId).toBe(callerSpanId);
    expect(request.name).toBe("chat reasoning");
    expect(request.resource["service.name"]).toBe("gateway-under-test");
    expect(request.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "reasoning",
      "gen_ai.request.max_tokens": 256,
      "gen_ai.request.temperature": 0.2,
      "gen_ai.provider.name": "openai",
      "gen_ai.usage.input_tokens": 12,
      "gen_ai.usage.output_tokens": 5,
      "llm_gateway.model_group": "reasoning",
      "llm_gateway.request_id": requestId,
      "llm_gateway.cache_hit": false,
      "llm_gateway.failover": true,
      "llm_gateway.attempts": 2,
      "http.response.status_code": 200,
    });
    expect(typeof request.attributes["llm_gateway.project_id"]).toBe("string");
    expect(request.attributes["llm_gateway.cost_usd"]).toBeGreaterThan(0);
    expect(String(request.attributes["gen_ai.response.model"])).toMatch(/gpt-4\.1/);
    expect(request.attributes["llm_gateway.failover_reasons"]).toEqual([
      expect.stringMatching(/^anthropic\/claude-opus-4-5: .*529/),
    ]);
    // Content is opt-in: not captured here.
    expect(request.attributes["gen_ai.input.messages"]).toBeUndefined();
    expect(request.attributes["gen_ai.output.messages"]).toBeUndefined();

    const attempts = ours.filter((span) => span.kind === CLIENT);
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) expect(attempt.parentSpanId).toBe(request.spanId);
    const failed = attempts.find((span) => span.attributes["gen_ai.provider.name"] === "anthropic");
    const answered = attempts.find((span) => span.attributes["gen_ai.provider.name"] === "openai");
    expect(failed?.attributes).toMatchObject({
      "llm_gateway.attempt.outcome": "failed",
      "error.type": "overloaded",
      "llm_gateway.circuit.state": "closed",
    });
    expect(failed?.status.code).toBe(2);
    expect(answered?.attributes).toMatchObject({ "llm_gateway.attempt.outcome": "success" });
    expect(answered?.attributes["error.type"]).toBeUndefined();

    // Each provider received the traceparent of its own attempt span, in the caller's trace.
    const toAnthropic = traceparentOf(anthropic.server.calls[0]);
    const toOpenAi = traceparentOf(openai.server.calls[0]);
    expect(toAnthropic).toEqual({ traceId: callerTraceId, spanId: failed?.spanId });
    expect(toOpenAi).toEqual({ traceId: callerTraceId, spanId: answered?.spanId });
    expect(openai.server.calls[0]?.headers.tracestate).toBe("vendor=abc");
    // The spec's default protocol: every export was protobuf, decoded above.
    expect(new Set(receiver.posts.map((post) => post.contentType))).toEqual(
      new Set(["application/x-protobuf"]),
    );
  });

  it("a caller's trace marked not sampled: the provider gets it, still not sampled, and no span is exported", async () => {
    const { anthropic } = harness.fakes;
    const unsampledTraceId = "0af7651916cd43dd8448eb211c80319c";
    anthropic.enqueueChat(anthropic.replies.text("Unsampled", { inputTokens: 2, outputTokens: 1 }));
    const response = await chat(harness.url, { traceparent: `00-${unsampledTraceId}-${callerSpanId}-00` });
    expect(response.status).toBe(200);
    const sent = anthropic.server.calls[0]?.headers.traceparent;
    expect(sent).toMatch(new RegExp(`^00-${unsampledTraceId}-[0-9a-f]{16}-00$`));
    expect(sent).not.toContain(callerSpanId);
    // A sampled request after it: once its spans are exported, the batch before it was too.
    anthropic.enqueueChat(anthropic.replies.text("Sampled", { inputTokens: 2, outputTokens: 1 }));
    expect((await chat(harness.url, { traceparent: callerTraceparent })).status).toBe(200);
    const spans = await spansWhen(
      harness,
      receiver,
      (all) => all.filter((span) => span.traceId === callerTraceId).length >= 2,
    );
    expect(spans.filter((span) => span.traceId === unsampledTraceId)).toEqual([]);
  });

  it("without a caller's traceparent the request span is a root, and providers still get its trace", async () => {
    const { anthropic } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.text("Hi", { inputTokens: 3, outputTokens: 1 }));
    expect((await chat(harness.url)).status).toBe(200);
    const sent = traceparentOf(anthropic.server.calls[0]);
    const spans = await spansWhen(
      harness,
      receiver,
      (all) => all.filter((s) => s.traceId === sent.traceId).length >= 2,
    );
    const request = spans.find((span) => span.traceId === sent.traceId && span.kind === SERVER);
    expect(request?.parentSpanId).toBeUndefined();
    const attempt = spans.find((span) => span.spanId === sent.spanId);
    expect(attempt?.parentSpanId).toBe(request?.spanId);
  });

  it("a streamed Messages answer and a Responses call: each a request span with its booking, traceparent upstream", async () => {
    const { anthropic } = harness.fakes;
    anthropic.enqueueChat(
      anthropic.replies.stream(["Hel", "lo"], { usage: { inputTokens: 9, outputTokens: 2 } }),
    );
    const messages = await fetch(new URL("/v1/messages", harness.url), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "anthropic-version": "2023-06-01",
        traceparent: callerTraceparent,
      },
      body: JSON.stringify({
        model: "reasoning",
        max_tokens: 64,
        stream: true,
        messages: [{ role: "user", content: "Stream please" }],
      }),
    });
    expect(await messages.text()).toContain("message_stop");
    anthropic.enqueueChat(anthropic.replies.text("Responded", { inputTokens: 4, outputTokens: 1 }));
    const responsesTraceId = "1af7651916cd43dd8448eb211c80319d";
    const responses = await fetch(new URL("/v1/responses", harness.url), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        traceparent: `00-${responsesTraceId}-${callerSpanId}-01`,
      },
      body: JSON.stringify({ model: "reasoning", input: "Hi", max_output_tokens: 32 }),
    });
    expect(responses.status).toBe(200);

    const spans = await spansWhen(harness, receiver, (all) =>
      [callerTraceId, responsesTraceId].every(
        (id) => all.filter((span) => span.traceId === id && span.kind === SERVER).length === 1,
      ),
    );
    const streamed = spans.find((span) => span.traceId === callerTraceId && span.kind === SERVER);
    // The booking of a stream comes after its last byte: the span waited for it.
    expect(streamed?.attributes).toMatchObject({
      "http.route": "/v1/messages",
      "llm_gateway.door": "anthropic",
      "llm_gateway.stream": true,
      "gen_ai.request.max_tokens": 64,
      "gen_ai.usage.input_tokens": 9,
      "gen_ai.usage.output_tokens": 2,
    });
    const responded = spans.find((span) => span.traceId === responsesTraceId && span.kind === SERVER);
    expect(responded?.attributes).toMatchObject({
      "http.route": "/v1/responses",
      "gen_ai.request.max_tokens": 32,
      "gen_ai.usage.input_tokens": 4,
    });
    expect(traceparentOf(anthropic.server.calls[0]).traceId).toBe(callerTraceId);
    expect(traceparentOf(anthropic.server.calls[1]).traceId).toBe(responsesTraceId);
  });

  it("an embeddings call: its attempt span under the request span, traceparent sent upstream", async () => {
    const response = await fetch(new URL("/v1/embeddings", harness.url), {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: callerTraceparent },
      body: JSON.stringify({ model: "embedding", input: "trace me" }),
    });
    expect(response.status).toBe(200);
    const request = await expectAttemptInCallerTrace(harness.fakes.openai.server.calls[0]);
    expect(request?.parentSpanId).toBe(callerSpanId);
  });

  it("an MCP tools/call takes its parent from params._meta.traceparent", async () => {
    const { anthropic } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.text("Hello over MCP", { inputTokens: 7, outputTokens: 3 }));
    const metaTraceId = "0af7651916cd43dd8448eb211c80319c";
    const metaSpanId = "b7ad6b7169203331";
    const result = await client.callTool({
      name: "chat_completion",
      arguments: {
        project_id: "proj-traced",
        agent_id: "agent-7",
        model_group: "reasoning",
        messages: [{ role: "user", content: "Hello" }],
      },
      _meta: { traceparent: `00-${metaTraceId}-${metaSpanId}-01` },
    });
    expect(result.isError).not.toBe(true);
    const spans = await spansWhen(
      harness,
      receiver,
      (all) => all.filter((s) => s.traceId === metaTraceId).length >= 2,
    );
    const request = spans.find((span) => span.traceId === metaTraceId && span.kind === SERVER);
    expect(request?.parentSpanId).toBe(metaSpanId);
    expect(request?.attributes).toMatchObject({
      "gen_ai.tool.name": "chat_completion",
      "llm_gateway.door": "mcp",
      "llm_gateway.project_id": "proj-traced",
      "llm_gateway.agent_id": "agent-7",
      "gen_ai.provider.name": "anthropic",
      "gen_ai.usage.input_tokens": 7,
    });
    const attempt = spans.find((span) => span.traceId === metaTraceId && span.kind === CLIENT);
    expect(attempt?.parentSpanId).toBe(request?.spanId);
    expect(traceparentOf(anthropic.server.calls[0])).toEqual({
      traceId: metaTraceId,
      spanId: attempt?.spanId,
    });
    // initialize and tools/list are MCP plumbing, not requests: no span for them.
    expect(
      spans.filter(
        (span) => span.attributes["http.route"] === "/mcp" && !span.attributes["gen_ai.tool.name"],
      ),
    ).toEqual([]);
  });

  it("an MCP batch's tools/call: its attempt span joins the POST's trace, traceparent upstream", async () => {
    const { anthropic } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.text("Hello from a batch", { inputTokens: 5, outputTokens: 3 }));
    const response = await fetch(new URL("/mcp", harness.url), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-03-26",
        traceparent: callerTraceparent,
      },
      body: JSON.stringify([
        {
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: {
            name: "chat_completion",
            arguments: {
              project_id: "proj-batch",
              agent_id: "agent-1",
              model_group: "reasoning",
              messages: [{ role: "user", content: "Hello" }],
            },
          },
        },
      ]),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Hello from a batch");
    await expectAttemptInCallerTrace(anthropic.server.calls[0]);
  });
});

describe("OTEL_TRACES_SAMPLER", () => {
  /** A gateway sampling as `env` says, exporting to its own receiver. */
  async function withSampler(
    env: Record<string, string>,
    run: (harness: Harness, receiver: OtlpReceiver) => Promise<void>,
  ): Promise<void> {
    const receiver = await OtlpReceiver.start();
    const harness = await startHarness({
      env: { LLM_GATEWAY_MAX_RETRIES: "0", OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, ...env },
    });
    try {
      await run(harness, receiver);
    } finally {
      await harness.close();
      await receiver.close();
    }
  }

  /** One chat call answered by the first provider; returns the traceparent the provider got. */
  async function tracedCall(harness: Harness, headers: Record<string, string> = {}): Promise<string> {
    const { anthropic } = harness.fakes;
    anthropic.server.reset();
    anthropic.enqueueChat(anthropic.replies.text("Hi", { inputTokens: 2, outputTokens: 1 }));
    expect((await chat(harness.url, headers)).status).toBe(200);
    return String(anthropic.server.calls[0]?.headers.traceparent);
  }

  it("always_off exports nothing, even of a trace its caller sampled, and tells the provider so", async () => {
    await withSampler({ OTEL_TRACES_SAMPLER: "always_off" }, async (harness, receiver) => {
      const sent = await tracedCall(harness, { traceparent: callerTraceparent });
      expect(sent).toMatch(new RegExp(`^00-${callerTraceId}-[0-9a-f]{16}-00$`));
      await harness.tracer?.flush();
      expect(receiver.posts).toEqual([]);
    });
  });

  it("traceidratio 1 samples a trace its caller did not: it does not follow the parent", async () => {
    await withSampler(
      { OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "1" },
      async (harness, receiver) => {
        const sent = await tracedCall(harness, { traceparent: `00-${callerTraceId}-${callerSpanId}-00` });
        expect(sent).toMatch(new RegExp(`^00-${callerTraceId}-[0-9a-f]{16}-01$`));
        const spans = await spansWhen(harness, receiver, (all) => all.some((span) => span.kind === SERVER));
        expect(spans.find((span) => span.kind === SERVER)?.traceId).toBe(callerTraceId);
      },
    );
  });

  it("parentbased_traceidratio 0 follows a caller's sampled trace and samples no root of its own", async () => {
    await withSampler(
      { OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0" },
      async (harness, receiver) => {
        const root = await tracedCall(harness);
        expect(root).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
        expect(await tracedCall(harness, { traceparent: callerTraceparent })).toMatch(/-01$/);
        const spans = await spansWhen(harness, receiver, (all) =>
          all.some((span) => span.traceId === callerTraceId && span.kind === SERVER),
        );
        expect(spans.filter((span) => root.includes(span.traceId))).toEqual([]);
        expect(spans.every((span) => span.traceId === callerTraceId)).toBe(true);
      },
    );
  });
});

describe("OpenTelemetry content capture", () => {
  let receiver: OtlpReceiver;
  let harness: Harness;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    harness = await startHarness({
      env: {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.endpoint}/v1/traces`,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        LLM_GATEWAY_OTEL_CAPTURE_CONTENT: "true",
      },
    });
  });
  afterAll(async () => {
    await harness.close();
    await receiver.close();
  });

  it("puts the prompt and the completion on the request span when opted in, and no key", async () => {
    const { anthropic } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.text("Captured answer", { inputTokens: 3, outputTokens: 2 }));
    expect((await chat(harness.url, { authorization: "Bearer sk-caller-secret" })).status).toBe(200);
    const spans = await spansWhen(harness, receiver, (all) => all.some((span) => span.kind === SERVER));
    const request = spans.find((span) => span.kind === SERVER);
    expect(String(request?.attributes["gen_ai.input.messages"])).toContain("Say hello to the tracer");
    expect(String(request?.attributes["gen_ai.output.messages"])).toContain("Captured answer");
    expect(request?.resource["service.name"]).toBe("llm-gateway");
    // Exported as OTLP/JSON, as asked.
    expect(new Set(receiver.posts.map((post) => post.contentType))).toEqual(new Set(["application/json"]));
    const everything = JSON.stringify(spans);
    expect(everything).not.toContain("sk-caller-secret");
    expect(everything).not.toContain(harness.fakes.anthropic.server.calls[0]?.headers["x-api-key"] as string);
  });
});

describe("OpenTelemetry off (no OTLP endpoint)", () => {
  it("loads no tracer, sends nothing, and adds no traceparent upstream", async () => {
    const receiver = await OtlpReceiver.start();
    // The receiver is up but unnamed: a gateway that sent anything would have to have guessed it.
    const harness = await startHarness({ env: { OTEL_SERVICE_NAME: "nobody-listens" } });
    try {
      expect(harness.tracer).toBeUndefined();
      const { anthropic } = harness.fakes;
      anthropic.enqueueChat(anthropic.replies.text("Untraced", { inputTokens: 1, outputTokens: 1 }));
      expect((await chat(harness.url, { traceparent: callerTraceparent })).status).toBe(200);
      expect(anthropic.server.calls[0]?.headers.traceparent).toBeUndefined();
    } finally {
      await harness.close();
    }
    expect(receiver.posts).toEqual([]);
    await receiver.close();
  });

  it("OTEL_SDK_DISABLED=true keeps it off even with an endpoint: the receiver gets nothing", async () => {
    const receiver = await OtlpReceiver.start();
    const harness = await startHarness({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SDK_DISABLED: "true" },
    });
    try {
      expect(harness.tracer).toBeUndefined();
      const { anthropic } = harness.fakes;
      anthropic.enqueueChat(anthropic.replies.text("Untraced", { inputTokens: 1, outputTokens: 1 }));
      expect((await chat(harness.url)).status).toBe(200);
      expect(anthropic.server.calls[0]?.headers.traceparent).toBeUndefined();
    } finally {
      await harness.close();
    }
    expect(receiver.posts).toEqual([]);
    await receiver.close();
  });
});
