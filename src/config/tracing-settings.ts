/**
 * OpenTelemetry tracing, from the standard `OTEL_*` variables: on only when an
 * OTLP endpoint is set (and `OTEL_SDK_DISABLED` is not `true`), so a gateway
 * without one loads no SDK and pays nothing.
 */
export interface TracingSettings {
  /** Where spans are POSTed (OTLP/HTTP): `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given, or the base endpoint + `/v1/traces`. */
  tracesUrl: string;
  /**
   * `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL`: `http/protobuf` (the
   * spec's default) or `http/json`. gRPC is not offered: `grpc` falls back to `http/protobuf`.
   */
  protocol: "http/protobuf" | "http/json";
  /** `OTEL_EXPORTER_OTLP_HEADERS` / `OTEL_EXPORTER_OTLP_TRACES_HEADERS` (`k=v,k2=v2`), e.g. a collector's key. */
  headers: Record<string, string>;
  serviceName: string;
  /** `OTEL_RESOURCE_ATTRIBUTES` (`k=v,k2=v2`). */
  resourceAttributes: Record<string, string>;
  /** `OTEL_TRACES_SAMPLER` (default `parentbased_always_on`) and its argument (a ratio for `*traceidratio`). */
  sampler: string;
  samplerArg: number | undefined;
  /** `LLM_GATEWAY_OTEL_CAPTURE_CONTENT=true`: prompts and completions on the spans (off by default: they may hold personal data). */
  captureContent: boolean;
}

/** `captureContent`: `LLM_GATEWAY_OTEL_CAPTURE_CONTENT`, checked with the gateway's other variables. */
export function tracingSettingsFrom(
  env: Record<string, string | undefined>,
  captureContent: boolean,
): TracingSettings | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return undefined;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === "none") return undefined;
  const tracesEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const baseEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  let tracesUrl: string;
  if (tracesEndpoint) tracesUrl = tracesEndpoint;
  else if (baseEndpoint) tracesUrl = `${baseEndpoint.replace(/\/+$/, "")}/v1/traces`;
  else return undefined;
  const arg = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  const ratio = arg ? Number(arg) : undefined;
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL)
    ?.trim()
    .toLowerCase();
  return {
    tracesUrl,
    protocol: protocol === "http/json" ? "http/json" : "http/protobuf",
    headers: {
      ...keyValueList(env.OTEL_EXPORTER_OTLP_HEADERS),
      ...keyValueList(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
    },
    serviceName: env.OTEL_SERVICE_NAME?.trim() || "llm-gateway",
    resourceAttributes: keyValueList(env.OTEL_RESOURCE_ATTRIBUTES),
    sampler: env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() || "parentbased_always_on",
    samplerArg: ratio !== undefined && Number.isFinite(ratio) ? ratio : undefined,
    captureContent,
  };
}

/** The W3C Baggage-like `k=v,k2=v2` lists of the OTEL_* variables, values percent-decoded. */
function keyValueList(value: string | undefined): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const item of value?.split(",") ?? []) {
    const at = item.indexOf("=");
    if (at <= 0) continue;
    const key = item.slice(0, at).trim();
    try {
      pairs[key] = decodeURIComponent(item.slice(at + 1).trim());
    } catch {
      pairs[key] = item.slice(at + 1).trim();
    }
  }
  return pairs;
}
