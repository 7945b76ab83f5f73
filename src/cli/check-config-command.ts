import type { GatewayConfig } from "../config/gateway-config.js";
import { microUsdToUsd } from "../core/model-catalog.js";

/**
 * `llm-gateway check-config`: the effective configuration (defaults, file,
 * environment) as JSON, every secret replaced by whether it is set.
 */
export function checkConfigCommand(config: GatewayConfig): string {
  const masked = {
    ...config,
    providers: Object.fromEntries(
      Object.entries(config.providers).map(([name, provider]) => [
        name,
        {
          ...provider,
          apiKey:
            provider.apiKey === undefined
              ? "(not set)"
              : provider.apiKey === ""
                ? "(empty)"
                : "(set, masked)",
        },
      ]),
    ),
    catalog: Object.fromEntries(
      Object.entries(config.catalog).map(([name, model]) => {
        const { pricing, ...rest } = model;
        return [
          name,
          {
            ...rest,
            usdPerMtok: {
              input: microUsdToUsd(pricing.inputMicroUsdPerMtok),
              output: microUsdToUsd(pricing.outputMicroUsdPerMtok),
              cachedInput: microUsdToUsd(pricing.cachedInputMicroUsdPerMtok),
              cacheWrite: microUsdToUsd(pricing.cacheWriteMicroUsdPerMtok),
            },
          },
        ];
      }),
    ),
    redisUrl: config.redisUrl === undefined ? undefined : maskUrlPassword(config.redisUrl),
    // A webhook's path is its secret (Slack's /services/T…/B…/token).
    alerts: {
      ...config.alerts,
      webhookUrls: config.alerts.webhookUrls.map((url) => `${new URL(url).origin}/(masked)`),
    },
    // OTLP export headers usually carry a collector's API key; the URL may hold a user:password.
    tracing: config.tracing && {
      ...config.tracing,
      tracesUrl: maskUrlPassword(config.tracing.tracesUrl),
      headers: Object.fromEntries(Object.keys(config.tracing.headers).map((name) => [name, "(set, masked)"])),
    },
    clientKeys: config.clientKeys.map((entry) => ({
      name: entry.name,
      projects: entry.projects,
      agents: entry.agents ?? "any (per-agent limits advisory)",
      key: "(set, masked)",
    })),
  };
  return `Configuration is valid.\n${JSON.stringify(masked, null, 2)}`;
}

/** redis://user:secret@host -> redis://user:***@host */
function maskUrlPassword(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, "$1***@");
}
