import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load-config.js";
import { checkConfigCommand } from "./check-config-command.js";

describe("check-config", () => {
  it("masks alert webhooks' paths, which are their secrets", () => {
    const output = checkConfigCommand(
      loadConfig({
        LLM_GATEWAY_ALERT_WEBHOOK_URLS:
          "https://hooks.slack.com/services/T0/B0/slack-token-abc,http://127.0.0.1:9/x",
      }),
    );
    const config = JSON.parse(output.slice(output.indexOf("{")));
    expect(config.alerts.webhookUrls).toEqual([
      "https://hooks.slack.com/(masked)",
      "http://127.0.0.1:9/(masked)",
    ]);
    expect(output).not.toContain("slack-token-abc");
  });

  it("masks the OTLP exporter's headers and URL password, which carry a collector's key", () => {
    const output = checkConfigCommand(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: "https://user:otlp-pass-123@collector.example:4318/",
        OTEL_EXPORTER_OTLP_HEADERS: "x-honeycomb-team=otlp-key-abc,authorization=Basic%20b3Rscw",
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: "0.25",
      }),
    );
    const config = JSON.parse(output.slice(output.indexOf("{")));
    expect(config.tracing).toMatchObject({
      tracesUrl: "https://user:***@collector.example:4318/v1/traces",
      headers: { "x-honeycomb-team": "(set, masked)", authorization: "(set, masked)" },
      sampler: "parentbased_traceidratio",
      samplerArg: 0.25,
      serviceName: "llm-gateway",
      captureContent: false,
    });
    expect(output).not.toContain("otlp-key-abc");
    expect(output).not.toContain("otlp-pass-123");
  });

  it("has no tracing section without an OTLP endpoint", () => {
    const output = checkConfigCommand(loadConfig({ OTEL_SERVICE_NAME: "alone" }));
    expect(JSON.parse(output.slice(output.indexOf("{"))).tracing).toBeUndefined();
  });
});
