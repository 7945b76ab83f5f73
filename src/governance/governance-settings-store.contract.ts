import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GovernanceSettingsStore, ManagedKey, StoredLimits } from "./governance-settings.js";
import { LiveGovernanceSettings } from "./live-governance-settings.js";

/** Opens stores on one fresh backing store (a temp dir, a key prefix), as many as a test asks for. */
export interface GovernanceStoreHarness {
  open(): Promise<GovernanceSettingsStore>;
  cleanup(): Promise<void>;
}

const now = Date.UTC(2026, 5, 1);

function managedKey(id: string, overrides: Partial<ManagedKey> = {}): ManagedKey {
  return {
    id,
    name: `name-${id}`,
    digest: `${id}-digest`.padEnd(64, "0"),
    secretHint: "lgw_…abcd",
    projects: ["proj-a"],
    limits: {},
    metadata: {},
    createdAtMs: now,
    updatedAtMs: now,
    ...overrides,
  };
}

/** The behaviour every governance settings engine shares; each engine's test calls it. */
export function runGovernanceStoreContract(
  name: string,
  createHarness: () => Promise<GovernanceStoreHarness>,
): void {
  describe(`GovernanceSettingsStore contract: ${name}`, () => {
    let harness: GovernanceStoreHarness;
    let opened: GovernanceSettingsStore[];
    const open = async () => {
      const store = await harness.open();
      opened.push(store);
      return store;
    };

    beforeEach(async () => {
      harness = await createHarness();
      opened = [];
    });
    afterEach(async () => {
      for (const store of opened) await store.close();
      await harness.cleanup();
    });

    it("starts empty at version 0", async () => {
      const store = await open();
      expect(await store.snapshot()).toEqual({ version: 0, keys: [], limits: [] });
      expect(await store.version()).toBe(0);
    });

    it("stores a key whole, replaces it by id, and bumps the version with every write", async () => {
      const store = await open();
      const key = managedKey("key_aaaaaaaaaaaa", {
        agents: ["agent-1"],
        models: ["fast", "gpt-4.1-mini"],
        limits: { dailyUsd: 1.5, monthlyUsd: 20, requestsPerMinute: 60, tokensPerMinute: 10_000 },
        expiresAtMs: now + 86_400_000,
        metadata: { team: "search", "cost-center": "42" },
      });
      await store.putKey(key);
      await store.putKey(managedKey("key_bbbbbbbbbbbb", { projects: "*" }));
      expect(await store.version()).toBe(2);
      expect((await store.snapshot()).keys).toEqual([key, managedKey("key_bbbbbbbbbbbb", { projects: "*" })]);
      const revoked = { ...key, revokedAtMs: now + 5, updatedAtMs: now + 5 };
      await store.putKey(revoked);
      const snapshot = await store.snapshot();
      expect(snapshot.version).toBe(3);
      expect(snapshot.keys).toHaveLength(2);
      expect(snapshot.keys[0]).toEqual(revoked);
    });

    it("stores limits of projects and agents apart, replaces and deletes them", async () => {
      const store = await open();
      const project: StoredLimits = { projectId: "proj-a", limits: { dailyUsd: 5 }, updatedAtMs: now };
      const agent: StoredLimits = {
        projectId: "proj-a",
        agentId: "agent-1",
        limits: { requestsPerMinute: 10, tokensPerMinute: 5_000 },
        updatedAtMs: now,
      };
      await store.putLimits(project);
      await store.putLimits(agent);
      expect((await store.snapshot()).limits).toEqual([project, agent]);
      const raised = { ...project, limits: { dailyUsd: 50, monthlyUsd: 500 } };
      await store.putLimits(raised);
      expect((await store.snapshot()).limits).toEqual([raised, agent]);
      expect(await store.deleteLimits("proj-a", undefined)).toBe(true);
      expect(await store.deleteLimits("proj-a", undefined)).toBe(false);
      expect(await store.deleteLimits("proj-a", "agent-2")).toBe(false);
      const snapshot = await store.snapshot();
      expect(snapshot.limits).toEqual([agent]);
      expect(snapshot.version).toBeGreaterThanOrEqual(4);
    });

    it("shows one store's writes to another on the same backing store (another process, another replica)", async () => {
      const writer = await open();
      const reader = await open();
      await writer.putKey(managedKey("key_cccccccccccc"));
      expect(await reader.version()).toBe(1);
      expect((await reader.snapshot()).keys.map((key) => key.id)).toEqual(["key_cccccccccccc"]);
    });

    it("brings another replica's live view up to date within one second of a write", async () => {
      const logger = pino({ level: "silent" });
      const config = { budgets: { "proj-a": { monthlyUsd: 100, agents: {} } }, rateLimits: { projects: {} } };
      const writer = await LiveGovernanceSettings.open({ store: await harness.open(), config, logger });
      const reader = await LiveGovernanceSettings.open({ store: await harness.open(), config, logger });
      try {
        const key = managedKey("key_dddddddddddd");
        await writer.putKey(key);
        // The writer's own view has its write at once.
        expect(writer.keyByDigest(key.digest)).toEqual(key);
        const started = performance.now();
        await expect
          .poll(() => reader.keyByDigest(key.digest), { timeout: 1_000, interval: 10 })
          .toEqual(key);
        await writer.putLimits({ projectId: "proj-a", limits: { dailyUsd: 2 }, updatedAtMs: now });
        await expect
          .poll(() => reader.budgets()["proj-a"], { timeout: 1_000, interval: 10 })
          .toEqual({ dailyUsd: 2, monthlyUsd: 100, agents: {} });
        expect(performance.now() - started).toBeLessThan(2_000);
        // The config's objects were not touched.
        expect(config.budgets["proj-a"]).toEqual({ monthlyUsd: 100, agents: {} });
      } finally {
        await writer.close();
        await reader.close();
      }
    });
  });
}
