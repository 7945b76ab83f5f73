import { createFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic/fake-anthropic.js";
import { createFakeDeepSeek } from "../fakes/deepseek/fake-deepseek.js";
import type { FakeProvider } from "../fakes/fake-provider.js";
import { createFakeGoogle } from "../fakes/google/fake-google.js";
import { createFakeOpenAi } from "../fakes/openai/fake-openai.js";
import { createFakeVoyage } from "../fakes/voyage/fake-voyage.js";

export const fakeProviderNames = ["anthropic", "openai", "google", "deepseek", "voyage"] as const;
export type FakeProviderName = (typeof fakeProviderNames)[number];

export type FakeProviders = Record<FakeProviderName, FakeProvider> & { anthropic: FakeAnthropic };

/** Every built-in fake provider, each a real HTTP server on its own 127.0.0.1 port. */
export async function startFakeProviders(): Promise<FakeProviders> {
  const started = await Promise.allSettled([
    createFakeAnthropic(),
    createFakeOpenAi(),
    createFakeGoogle(),
    createFakeDeepSeek(),
    createFakeVoyage(),
  ]);
  const failed = started.find((outcome) => outcome.status === "rejected");
  if (failed) {
    await Promise.all(started.map((outcome) => outcome.status === "fulfilled" && outcome.value.close()));
    throw failed.reason;
  }
  const [anthropic, openai, google, deepseek, voyage] = started.map(
    (outcome) => (outcome as PromiseFulfilledResult<FakeProvider>).value,
  ) as [FakeAnthropic, FakeProvider, FakeProvider, FakeProvider, FakeProvider];
  return { anthropic, openai, google, deepseek, voyage };
}

/** The gateway settings that point every provider at its fake, with a key no real provider accepts. */
export function fakeProviderEnv(fakes: FakeProviders): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of fakeProviderNames) {
    const prefix = name.toUpperCase();
    env[`${prefix}_API_KEY`] = `demo-fake-${name}-key`;
    env[`${prefix}_BASE_URL`] = fakes[name].baseUrl;
  }
  return env;
}
