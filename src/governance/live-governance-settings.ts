import type { Logger } from "pino";
import type { GatewayConfig, ProjectBudget, RateLimitConfig } from "../config/gateway-config.js";
import { applyStoredLimits } from "./apply-stored-limits.js";
import type { GovernancePolicy } from "./governance-policy.js";
import type {
  GovernanceSettingsStore,
  GovernanceSnapshot,
  ManagedKey,
  StoredLimits,
} from "./governance-settings.js";

/** Within the one second with room for a reload: every replica asks the store this often. */
export const governancePollMs = 500;

export interface LiveGovernanceSettingsOptions {
  store: GovernanceSettingsStore;
  config: Pick<GatewayConfig, "budgets" | "rateLimits">;
  logger: Logger;
  pollMs?: number;
}

/**
 * This replica's view of the governance settings store, refreshed when the
 * store announces a change (Redis pub/sub) and when the version it polls
 * every 500 ms moved: every replica sees a write within a second. Reads
 * (authentication, budgets, limits) answer from memory, never waiting on
 * the store.
 *
 * With the store unreachable the last view stays in force (a key revoked
 * during a Redis outage still works until Redis returns) and writes fail:
 * the admin API answers 503. Refusing every managed key during an outage
 * would be the other choice; an outage of the store already degrades the
 * gateway's budgets, so it must not also lock every team out.
 */
export class LiveGovernanceSettings implements GovernancePolicy {
  readonly #store: GovernanceSettingsStore;
  readonly #config: Pick<GatewayConfig, "budgets" | "rateLimits">;
  readonly #logger: Logger;
  readonly #timer: NodeJS.Timeout;
  #view: View;
  #refreshing: Promise<void> | undefined;
  #next: Promise<void> | undefined;
  #failing = false;

  private constructor(options: LiveGovernanceSettingsOptions, snapshot: GovernanceSnapshot) {
    this.#store = options.store;
    this.#config = options.config;
    this.#logger = options.logger;
    this.#view = viewOf(snapshot, options.config);
    this.#timer = setInterval(() => void this.refresh(), options.pollMs ?? governancePollMs);
    this.#timer.unref();
    options.store.onChange?.(() => void this.refresh());
  }

  /**
   * Loads the store once. Unreachable at start-up (Redis down), the view starts with the config's
   * keys and limits alone and loads the stored ones at the first poll that reaches the store.
   */
  static async open(options: LiveGovernanceSettingsOptions): Promise<LiveGovernanceSettings> {
    try {
      return new LiveGovernanceSettings(options, await options.store.snapshot());
    } catch (error) {
      options.logger.warn(
        { err: error },
        "governance settings store unreachable at start-up: managed keys and stored limits apply once it is back",
      );
      const settings = new LiveGovernanceSettings(options, { version: -1, keys: [], limits: [] });
      settings.#failing = true;
      return settings;
    }
  }

  budgets(): Readonly<Record<string, ProjectBudget>> {
    return this.#view.budgets;
  }

  rateLimits(): RateLimitConfig {
    return this.#view.rateLimits;
  }

  get version(): number {
    return this.#view.version;
  }

  /** Managed keys, revoked ones included, by id. */
  keys(): readonly ManagedKey[] {
    return this.#view.keys;
  }

  key(id: string): ManagedKey | undefined {
    return this.#view.byId.get(id);
  }

  /**
   * The managed key whose secret has this hex SHA-256 digest. A map lookup is safe here: the
   * caller cannot choose a digest, so its timing says nothing about how close a guess was.
   */
  keyByDigest(digest: string): ManagedKey | undefined {
    return this.#view.byDigest.get(digest);
  }

  storedLimits(): readonly StoredLimits[] {
    return this.#view.limits;
  }

  /** Writes go through the view so this replica answers with its own write at once. */
  async putKey(key: ManagedKey): Promise<void> {
    await this.#store.putKey(key);
    await this.refresh();
  }

  async putLimits(limits: StoredLimits): Promise<void> {
    await this.#store.putLimits(limits);
    await this.refresh();
  }

  async deleteLimits(projectId: string, agentId: string | undefined): Promise<boolean> {
    const deleted = await this.#store.deleteLimits(projectId, agentId);
    await this.refresh();
    return deleted;
  }

  /**
   * Reloads when the store's version moved, one reload at a time. A call during a reload waits for
   * one more after it: the running one may have read before the caller's write.
   */
  refresh(): Promise<void> {
    if (!this.#refreshing) {
      this.#refreshing = this.#reload().finally(() => {
        this.#refreshing = undefined;
      });
      return this.#refreshing;
    }
    this.#next ??= this.#refreshing.then(() => {
      this.#next = undefined;
      return this.refresh();
    });
    return this.#next;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#next;
    await this.#refreshing;
    await this.#store.close();
  }

  async #reload(): Promise<void> {
    try {
      if ((await this.#store.version()) !== this.#view.version) {
        this.#view = viewOf(await this.#store.snapshot(), this.#config);
      }
      if (this.#failing) this.#logger.info("governance settings store reachable again");
      this.#failing = false;
    } catch (error) {
      // Once per outage: the poll runs twice a second.
      if (!this.#failing) {
        this.#logger.warn(
          { err: error },
          "governance settings store unreachable: keeping the last keys, budgets and limits",
        );
      }
      this.#failing = true;
    }
  }
}

interface View {
  version: number;
  keys: ManagedKey[];
  limits: StoredLimits[];
  byId: Map<string, ManagedKey>;
  byDigest: Map<string, ManagedKey>;
  budgets: Record<string, ProjectBudget>;
  rateLimits: RateLimitConfig;
}

function viewOf(snapshot: GovernanceSnapshot, config: Pick<GatewayConfig, "budgets" | "rateLimits">): View {
  return {
    version: snapshot.version,
    keys: snapshot.keys,
    limits: snapshot.limits,
    byId: new Map(snapshot.keys.map((key) => [key.id, key])),
    byDigest: new Map(snapshot.keys.map((key) => [key.digest, key])),
    ...applyStoredLimits(config, snapshot.limits),
  };
}
