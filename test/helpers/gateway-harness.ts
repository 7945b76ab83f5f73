import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import type { Alerts } from "../../src/alerts/alerts.js";
import { type Composition, composeGateway } from "../../src/compose-gateway.js";
import type { GatewayConfig } from "../../src/config/gateway-config.js";
import { loadConfig } from "../../src/config/load-config.js";
import { createFakeAnthropic } from "../../src/fakes/anthropic/fake-anthropic.js";
import { createFakeDeepSeek } from "../../src/fakes/deepseek/fake-deepseek.js";
import type { FakeProvider } from "../../src/fakes/fake-provider.js";
import { createFakeGoogle } from "../../src/fakes/google/fake-google.js";
import { createFakeOpenAi } from "../../src/fakes/openai/fake-openai.js";
import { createFakeVoyage } from "../../src/fakes/voyage/fake-voyage.js";
import type { Gateway } from "../../src/gateway/gateway.js";
import { buildApp } from "../../src/http/build-app.js";
import { createTestLogFile, registerTestSecrets } from "./test-log-files.js";

export const providerNames = ["anthropic", "openai", "google", "deepseek", "voyage"] as const;
export type ProviderName = (typeof providerNames)[number];

/** Provider keys the harness configures; the secret-redaction test greps logs for them. */
export const fakeProviderKeys: Record<ProviderName, string> = {
  anthropic: "sk-ant-fake-key-0001-do-not-log",
  openai: "sk-openai-fake-key-0002-do-not-log",
  google: "google-fake-key-0003-do-not-log",
  deepseek: "sk-deepseek-fake-key-0004-do-not-log",
  voyage: "pa-voyage-fake-key-0005-do-not-log",
};

export interface HarnessOptions {
  /** Providers to configure keys for (default all). Unconfigured ones still get a fake, unused. */
  providers?: readonly ProviderName[];
  env?: Record<string, string>;
  /** Contents of an LLM_GATEWAY_CONFIG file. */
  configYaml?: string;
}

export interface Harness {
  url: string;
  app: FastifyInstance;
  gateway: Gateway;
  /** Webhook alerts, when the configuration names a webhook. */
  alerts: Alerts | undefined;
  /** OpenTelemetry tracing, when the env sets an OTLP endpoint. */
  tracer: Composition["tracer"];
  fakes: Record<ProviderName, FakeProvider>;
  dataDir: string;
  /** Every log line the gateway wrote, parsed (also appended to `logFile` for the end-of-run secret scan). */
  logs: Array<Record<string, unknown>>;
  logFile: string;
  close(): Promise<void>;
}

/**
 * A real gateway listening on 127.0.0.1 with every provider pointed at its
 * fake, a fresh data dir, and the logs captured for assertions.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const fakes: Record<ProviderName, FakeProvider> = {
    anthropic: await createFakeAnthropic(),
    openai: await createFakeOpenAi(),
    google: await createFakeGoogle(),
    deepseek: await createFakeDeepSeek(),
    voyage: await createFakeVoyage(),
  };
  const dataDir = mkdtempSync(join(tmpdir(), "llmgw-test-"));
  const env: Record<string, string> = {
    LLM_GATEWAY_DATA_DIR: dataDir,
    LLM_GATEWAY_PORT: "0",
    LLM_GATEWAY_LOG_LEVEL: "info",
    ...options.env,
  };
  if (options.configYaml !== undefined) {
    const configPath = join(dataDir, "gateway.yaml");
    writeFileSync(configPath, options.configYaml);
    env.LLM_GATEWAY_CONFIG = configPath;
  }
  for (const name of options.providers ?? providerNames) {
    env[`${name.toUpperCase()}_API_KEY`] = fakeProviderKeys[name];
  }
  for (const name of providerNames) env[`${name.toUpperCase()}_BASE_URL`] = fakes[name].baseUrl;
  const config = loadConfig(env);
  registerTestSecrets("harness", configuredSecrets(config));
  const logs: Array<Record<string, unknown>> = [];
  const logFile = createTestLogFile("harness");
  const logger = pino(
    { level: config.logLevel },
    new Writable({
      write(chunk, _encoding, done) {
        logFile.append(String(chunk));
        for (const line of String(chunk).split("\n").filter(Boolean)) logs.push(JSON.parse(line));
        done();
      },
    }),
  );
  const composition = await composeGateway(config, logger);
  const { gateway } = composition;
  const app = await buildApp(composition);
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    url,
    app,
    gateway,
    alerts: composition.alerts,
    tracer: composition.tracer,
    fakes,
    dataDir,
    logs,
    logFile: logFile.path,
    async close() {
      await app.close();
      await gateway.close();
      await Promise.all(Object.values(fakes).map((fake) => fake.close()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Provider and client keys of a configuration, by name, for the end-of-run log scan. */
export function configuredSecrets(config: GatewayConfig): Record<string, string | undefined> {
  return {
    ...Object.fromEntries(
      Object.entries(config.providers).map(([name, provider]) => [`provider key ${name}`, provider.apiKey]),
    ),
    ...Object.fromEntries(
      Object.entries(config.providers).flatMap(([name, provider]) => [
        [`AWS secret key ${name}`, provider.bedrock?.credentials?.secretAccessKey],
        [`AWS session token ${name}`, provider.bedrock?.credentials?.sessionToken],
      ]),
    ),
    ...Object.fromEntries(config.clientKeys.map((entry) => [`client key ${entry.name}`, entry.key])),
  };
}
