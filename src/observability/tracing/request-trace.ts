import {
  type Attributes,
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { AttemptEnd, AttemptStart, AttemptTrace, RequestTraceScope } from "../../core/trace-scope.js";
import type { FinishedRequest } from "../../gateway/request-observer.js";
import { finishedRequestAttributes, genAiProviderName, requestBodyAttributes } from "./genai-attributes.js";

export interface RequestTraceInit {
  requestId: string;
  method: string;
  /** The matched route (`/v1/chat/completions`, `/mcp`). */
  route: string;
  /** The caller's W3C headers. */
  traceparent: string | undefined;
  tracestate: string | undefined;
}

export interface RequestTraceDeps {
  tracer: Tracer;
  propagator: TextMapPropagator;
  captureContent: boolean;
  /** The provider's own model id for a catalog model (gen_ai.response.model). */
  providerModelId(model: string): string | undefined;
  providerKind(provider: string): string | undefined;
  /** Called once the span ended: the tracer forgets the request. */
  ended(requestId: string): void;
}

/** How long a request answered before its booking arrives waits for it (a stream books after its last byte). */
const finishGraceMs = 2000;

/**
 * One request's span, created lazily so that an MCP call's `_meta.traceparent`
 * (read after the body) can still be its parent, and ended when the answer
 * is out and the gateway booked it (whichever comes last).
 */
export class RequestTrace implements RequestTraceScope {
  private span: Span | undefined;
  private context: Context | undefined;
  private readonly startTime = Date.now();
  private parent: Context;
  private readonly attributes: Attributes;
  private name: string;
  private finished: FinishedRequest | undefined;
  private answered: { status: number; at: number } | undefined;
  /** A model call was asked for: wait for its booking before ending. */
  private expectsBooking = false;
  /** An MCP POST that is not a tools/call (initialize, tools/list) makes no span. */
  private wanted: boolean;
  private done = false;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly init: RequestTraceInit,
    private readonly deps: RequestTraceDeps,
  ) {
    this.parent = this.extract(init.traceparent, init.tracestate);
    this.name = `${init.method} ${init.route}`;
    this.wanted = init.route !== "/mcp";
    this.attributes = {
      "http.request.method": init.method,
      "http.route": init.route,
      "llm_gateway.request_id": init.requestId,
    };
  }

  /** The parsed JSON body of a /v1 request: the model asked for, its parameters, and (opted in) its messages. */
  describeRequest(body: unknown, operation: "chat" | "embeddings" | undefined): void {
    if (operation === undefined || typeof body !== "object" || body === null) return;
    this.expectsBooking = true;
    this.attributes["gen_ai.operation.name"] = operation;
    Object.assign(
      this.attributes,
      requestBodyAttributes(body as Record<string, unknown>, this.deps.captureContent),
    );
  }

  /** A whole (not streamed) JSON answer, for the opted-in completion content. */
  describeAnswer(body: string): void {
    if (!this.deps.captureContent) return;
    try {
      const answer = JSON.parse(body) as Record<string, unknown>;
      const output = answer.choices ?? answer.content ?? answer.output;
      if (output !== undefined) this.attributes["gen_ai.output.messages"] = JSON.stringify(output);
    } catch {
      // Not JSON: nothing to capture.
    }
  }

  mcpToolCall(tool: string, params: Record<string, unknown> | undefined): void {
    this.wanted = true;
    this.attributes["gen_ai.tool.name"] = tool;
    const meta = params?._meta as Record<string, unknown> | undefined;
    const traceparent = meta?.traceparent;
    // Only before the span exists: a parent cannot change afterwards.
    if (typeof traceparent === "string" && this.span === undefined) {
      const tracestate = typeof meta?.tracestate === "string" ? meta.tracestate : undefined;
      this.parent = this.extract(traceparent, tracestate);
    }
    const args = params?.arguments;
    if (typeof args !== "object" || args === null) return;
    const operation =
      tool === "create_embeddings" ? "embeddings" : tool.startsWith("chat") ? "chat" : undefined;
    const fields = args as Record<string, unknown>;
    this.describeRequest({ ...fields, model: fields.model_group ?? fields.model }, operation);
  }

  startAttempt(attempt: AttemptStart): AttemptTrace {
    const parent = this.ensureSpan();
    const operation = (this.attributes["gen_ai.operation.name"] as string | undefined) ?? "chat";
    const span = this.deps.tracer.startSpan(
      `${operation} ${attempt.providerModelId}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          "gen_ai.operation.name": operation,
          "gen_ai.provider.name": genAiProviderName(attempt.providerKind, attempt.provider),
          "gen_ai.request.model": attempt.providerModelId,
          "llm_gateway.provider": attempt.provider,
          "llm_gateway.model": attempt.model,
          "llm_gateway.attempt.retry": attempt.retry,
          "llm_gateway.circuit.state": attempt.circuitState,
        },
      },
      parent,
    );
    const headers: Record<string, string> = {};
    this.deps.propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
    return {
      headers,
      end: (result: AttemptEnd) => {
        span.setAttribute("llm_gateway.attempt.outcome", result.outcome);
        if (result.outcome !== "success") {
          span.setAttribute("error.type", result.errorType ?? result.outcome);
          span.setStatus({ code: SpanStatusCode.ERROR, ...(result.error ? { message: result.error } : {}) });
          if (result.error) span.setAttribute("llm_gateway.attempt.error", result.error);
        }
        span.end();
      },
    };
  }

  /** The gateway booked the request (tokens, cost, attempts). */
  requestFinished(finished: FinishedRequest): void {
    this.finished = finished;
    if (this.answered) this.end();
  }

  /** The HTTP answer is out (or the client went away). */
  httpAnswered(status: number): void {
    this.answered = { status, at: Date.now() };
    if (this.finished || !this.expectsBooking) this.end();
    else {
      this.graceTimer = setTimeout(() => this.end(), finishGraceMs);
      this.graceTimer.unref();
    }
  }

  private end(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.graceTimer);
    this.deps.ended(this.init.requestId);
    // An MCP POST that called no tool has no span, unless an attempt made one (a batch): then it must end.
    if (!this.wanted && this.span === undefined) return;
    this.ensureSpan();
    const span = this.span as Span;
    const finished = this.finished;
    span.setAttributes(this.attributes);
    if (finished) {
      span.setAttributes(
        finishedRequestAttributes(finished, {
          providerKind: finished.provider ? this.deps.providerKind(finished.provider) : undefined,
          responseModel: finished.model ? this.deps.providerModelId(finished.model) : undefined,
        }),
      );
      const operation = finished.kind === "embedding" ? "embeddings" : "chat";
      const model = finished.modelGroup ?? finished.model;
      span.updateName(model ? `${operation} ${model}` : operation);
      for (const attempt of finished.attempts) {
        if (attempt.outcome === "skipped_circuit_open" || attempt.outcome === "skipped_unsupported") {
          span.addEvent("llm_gateway.attempt.skipped", {
            "llm_gateway.provider": attempt.provider,
            "llm_gateway.model": attempt.model,
            "llm_gateway.attempt.outcome": attempt.outcome,
            ...(attempt.error ? { "llm_gateway.attempt.error": attempt.error } : {}),
          });
        }
      }
    }
    const status = this.answered?.status;
    if (status !== undefined) span.setAttribute("http.response.status_code", status);
    let errorType: string | undefined;
    if (finished && finished.outcome !== "success") errorType = finished.errorCode ?? finished.outcome;
    else if (status !== undefined && status >= 400) errorType = String(status);
    if (errorType !== undefined) {
      span.setAttribute("error.type", errorType);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end(this.answered?.at);
  }

  private ensureSpan(): Context {
    if (this.context) return this.context;
    this.span = this.deps.tracer.startSpan(
      this.name,
      { kind: SpanKind.SERVER, startTime: this.startTime, attributes: this.attributes },
      this.parent,
    );
    // Attributes learnt later are set at the end; the object given here was copied.
    this.context = trace.setSpan(this.parent, this.span);
    return this.context;
  }

  private extract(traceparent: string | undefined, tracestate: string | undefined): Context {
    if (traceparent === undefined) return ROOT_CONTEXT;
    const carrier: Record<string, string> = { traceparent };
    if (tracestate !== undefined) carrier.tracestate = tracestate;
    return this.deps.propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
  }
}
