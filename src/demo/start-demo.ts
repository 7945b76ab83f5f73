import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { composeGateway } from "../compose-gateway.js";
import { loadConfig } from "../config/load-config.js";
import type { Gateway } from "../gateway/gateway.js";
import { buildApp } from "../http/build-app.js";
import { type DemoTraffic, startDemoTraffic } from "./demo-traffic.js";
import { createFailureSchedule, type FailureScheduleOptions } from "./failure-schedule.js";
import { type FakeProviders, fakeProviderEnv, startFakeProviders } from "./start-fake-providers.js";

export interface DemoOptions {
  /** The gateway's port on 127.0.0.1; 0 picks a free one. */
  port: number;
  logger: Logger;
  /**
   * Gateway settings on top of the demo's (`LLM_GATEWAY_*`, e.g. client keys).
   * The providers' keys and URLs are always the fakes', and the data dir a
   * fresh temporary one: a demo never reaches a real provider or real usage.
   */
  env?: Record<string, string>;
  /** When the fake Anthropic answers 529 Overloaded; false never. */
  failures?: FailureScheduleOptions | false;
  /** Background requests; false none. */
  traffic?: { intervalMs: number; apiKey?: string } | false;
}

export interface Demo {
  url: string;
  fakes: FakeProviders;
  gateway: Gateway;
  app: FastifyInstance;
  /** The settings the demo chose, for the banner. */
  settings: { failures: FailureScheduleOptions | false; env: Record<string, string> };
  traffic?: DemoTraffic;
  /** Stops traffic, gateway and fakes, and deletes the demo's data. */
  close(): Promise<void>;
}

/** Anthropic leads every chat group's chain, so its failures show as failovers everywhere. */
export const defaultDemoFailures: FailureScheduleOptions = {
  failEvery: 4,
  outage: { periodMs: 90_000, durationMs: 20_000 },
};

/**
 * No retries on the same model, so each 529 is a failover; a circuit opens
 * after 3 failures in a row and tries again after 20 s, so the outage above
 * opens Anthropic's circuits and the dashboard shows them close again.
 */
const demoGatewayEnv = {
  LLM_GATEWAY_MAX_RETRIES: "0",
  LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "3",
  LLM_GATEWAY_CIRCUIT_COOLDOWN_SECONDS: "20",
};

/**
 * Demo mode: the five built-in fake providers on loopback ports and a real
 * gateway wired to them, with scripted Anthropic overloads and optional
 * background traffic, so a newcomer sees failover, circuits and usage without
 * a provider key.
 */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const failures = options.failures ?? defaultDemoFailures;
  const fakes = await startFakeProviders();
  const dataDir = mkdtempSync(join(tmpdir(), "llm-gateway-demo-"));
  const cleanups: Array<() => Promise<void>> = [
    async () => rmSync(dataDir, { recursive: true, force: true }),
    async () => void (await Promise.all(Object.values(fakes).map((fake) => fake.close()))),
  ];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    if (failures) {
      const shouldFail = createFailureSchedule(failures);
      const anthropic = fakes.anthropic;
      anthropic.server.intercept((call) =>
        call.path === "/v1/messages" && shouldFail() ? anthropic.replies.error(529, "Overloaded") : undefined,
      );
    }
    const env = {
      ...demoGatewayEnv,
      ...options.env,
      LLM_GATEWAY_DATA_DIR: dataDir,
      ...fakeProviderEnv(fakes),
    };
    const composition = await composeGateway(loadConfig(env), options.logger);
    cleanups.push(() => composition.gateway.close());
    const app = await buildApp(composition);
    cleanups.push(() => app.close());
    const url = await app.listen({ host: "127.0.0.1", port: options.port });
    const traffic = options.traffic ? startDemoTraffic({ url, ...options.traffic }) : undefined;
    if (traffic) cleanups.push(() => traffic.stop());
    return {
      url,
      fakes,
      gateway: composition.gateway,
      app,
      settings: { failures, env: { ...demoGatewayEnv, ...options.env } },
      traffic,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
