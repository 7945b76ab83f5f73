import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import OpenAI from "openai";
import type { UsageReport } from "../../src/gateway/get-usage.js";
import { deleteKeysUnder } from "../../src/governance/redis-keys.contract.js";
import { sharedRedisUrl } from "../../src/usage/shared-test-redis.js";
import { type Harness, type HarnessOptions, startHarness } from "../helpers/gateway-harness.js";

/** Client keys the security tests configure (the end-of-run scan greps the logs for them). */
export const clientKeys = {
  projectA: "ck-test-proj-a-7f3c91d2e4b5a6c8",
  projectsAB: "ck-test-proj-ab-1a2b3c4d5e6f7081",
  admin: "ck-test-admin-9e8d7c6b5a4f3e2d",
} as const;

/** `LLM_GATEWAY_API_KEYS` for `clientKeys`: A alone, A and B, and an admin key. */
export const apiKeysEnv = `${clientKeys.projectA}=proj-a,${clientKeys.projectsAB}=proj-a|proj-b,${clientKeys.admin}=*`;

/** The official OpenAI SDK pointed at a gateway's /v1, with no retries. */
export function openAiClient(
  harness: Harness,
  apiKey: string,
  headers: Record<string, string | null> = {},
): OpenAI {
  return new OpenAI({ apiKey, baseURL: `${harness.url}/v1`, maxRetries: 0, defaultHeaders: headers });
}

/** A project's usage today, read through GET /v1/usage with the given key (the admin key by default). */
export async function usageOf(
  harness: Harness,
  projectId: string,
  key: string = clientKeys.admin,
): Promise<UsageReport> {
  const response = await fetch(`${harness.url}/v1/usage?project_id=${projectId}&period=all`, {
    headers: { authorization: `Bearer ${key}` },
  });
  if (response.status !== 200) throw new Error(`GET /v1/usage answered ${response.status}`);
  return (await response.json()) as UsageReport;
}

/** Every call any fake provider of the harness received, chat and embeddings alike. */
export function upstreamCalls(harness: Harness): number {
  return Object.values(harness.fakes).reduce((sum, fake) => sum + fake.server.calls.length, 0);
}

export const hello = [{ role: "user" as const, content: "Say hello" }];

/** A model with round prices ($100 per million tokens either way), so costs in tests are exact. */
export const pricedModelYaml = `
models:
  priced-mini:
    provider: openai
    provider_model_id: gpt-4.1-mini
    context_window: 100000
    max_output_tokens: 1000
    price_per_mtok: { input: 100, output: 100 }
`;

/** Nano-USD per token of `priced-mini`. */
export const pricedModelNanoUsdPerToken = 100_000;

export interface Replicas {
  harnesses: Harness[];
  keyPrefix: string;
  close(): Promise<void>;
}

/**
 * Gateway replicas sharing the run's redis-server (`sharedRedisUrl`) under a key
 * prefix of their own; closing them deletes every key they wrote.
 */
export async function startRedisReplicas(count: number, options: HarnessOptions = {}): Promise<Replicas> {
  const keyPrefix = `llmgw-test:security:${process.pid}-${randomBytes(4).toString("hex")}:`;
  const env = {
    ...options.env,
    LLM_GATEWAY_REDIS_URL: sharedRedisUrl,
    LLM_GATEWAY_REDIS_KEY_PREFIX: keyPrefix,
  };
  const harnesses: Harness[] = [];
  for (let index = 0; index < count; index++) harnesses.push(await startHarness({ ...options, env }));
  return {
    harnesses,
    keyPrefix,
    async close() {
      await Promise.all(harnesses.map((harness) => harness.close()));
      const redis = new Redis(sharedRedisUrl);
      try {
        await deleteKeysUnder(redis, keyPrefix);
      } finally {
        await redis.quit();
      }
    },
  };
}
