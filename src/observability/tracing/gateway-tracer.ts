import type { Tracer } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtobufTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import type { Logger } from "pino";
import type { GatewayConfig } from "../../config/gateway-config.js";
import type { TracingSettings } from "../../config/tracing-settings.js";
import type { FinishedRequest, GatewayObserver } from "../../gateway/request-observer.js";
import { RequestTrace, type RequestTraceInit } from "./request-trace.js";

/**
 * The gateway's OpenTelemetry tracer: one SERVER span per request (begun by
 * the HTTP door), one CLIENT span per provider attempt, exported over
 * OTLP/HTTP in batches. It watches the gateway as an observer to learn each
 * request's booking (tokens, cost, attempts). This module, and with it the
 * SDK, is imported only when tracing is configured.
 */
export class GatewayTracer implements GatewayObserver {
  private readonly open = new Map<string, RequestTrace>();
  private readonly propagator = new W3CTraceContextPropagator();

  constructor(
    private readonly provider: TracerProvider,
    private readonly tracer: Tracer,
    private readonly config: GatewayConfig,
    readonly captureContent: boolean,
  ) {}

  begin(init: RequestTraceInit): RequestTrace {
    const request = new RequestTrace(init, {
      tracer: this.tracer,
      propagator: this.propagator,
      captureContent: this.captureContent,
      providerModelId: (model) => this.config.catalog[model]?.providerModelId,
      providerKind: (provider) => this.config.providers[provider]?.kind,
      ended: (requestId) => this.open.delete(requestId),
    });
    this.open.set(init.requestId, request);
    return request;
  }

  requestFinished(request: FinishedRequest): void {
    this.open.get(request.requestId)?.requestFinished(request);
  }

  circuitChanged(): void {
    // Circuit state is on each attempt span (the state the call found); transitions are metrics' and logs' job.
  }

  /** Sends what is still batched; for tests and shutdown. */
  flush(): Promise<void> {
    return this.provider.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

export function startGatewayTracer(
  settings: TracingSettings,
  config: GatewayConfig,
  version: string,
  logger: Logger,
): GatewayTracer {
  const Exporter = settings.protocol === "http/json" ? JsonTraceExporter : ProtobufTraceExporter;
  const exporter = new Exporter({ url: settings.tracesUrl, headers: settings.headers });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      ...settings.resourceAttributes,
      [ATTR_SERVICE_NAME]: settings.serviceName,
      [ATTR_SERVICE_VERSION]: version,
    }),
    sampler: samplerOf(settings),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  logger.info(
    {
      tracesUrl: settings.tracesUrl,
      protocol: settings.protocol,
      sampler: settings.sampler,
      captureContent: settings.captureContent,
    },
    "OpenTelemetry tracing on",
  );
  return new GatewayTracer(
    provider,
    provider.getTracer("llm-gateway", version),
    config,
    settings.captureContent,
  );
}

/** `OTEL_TRACES_SAMPLER` as the SDK spec names them; unknown names fall back to the default. */
function samplerOf(settings: TracingSettings): Sampler {
  const ratio = settings.samplerArg ?? 1;
  switch (settings.sampler) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(ratio);
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}
