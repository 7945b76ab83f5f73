import type { Logger } from "pino";
import type { BudgetLimits, GatewayConfig, KeyLimits } from "../config/gateway-config.js";
import { GatewayError } from "../core/gateway-error.js";
import type { ManagedKey, StoredLimits } from "../governance/governance-settings.js";
import type { LiveGovernanceSettings } from "../governance/live-governance-settings.js";
import {
  newManagedKeyId,
  newManagedKeySecret,
  secretDigest,
  secretHint,
} from "../governance/managed-key-secret.js";
import type { RateLimiter, RateLimitStanding } from "../governance/rate-limiter.js";
import type { BudgetStanding, SpendReader, SpendScope } from "../governance/spend-reader.js";
import type { ClientKeys } from "./client-keys.js";
import type { Principal } from "./principal.js";

/** A new key's settings, validated by the door. */
export interface KeySettings {
  name: string;
  projects: string[] | "*";
  agents?: string[];
  models?: string[];
  limits: KeyLimits;
  expiresAtMs?: number;
  metadata: Record<string, string>;
}

/** Changes to a key: a field left out is unchanged, `null` clears it. */
export interface KeyChanges {
  name?: string;
  projects?: string[] | "*";
  agents?: string[] | null;
  models?: string[] | null;
  limits?: LimitChanges;
  expiresAtMs?: number | null;
  metadata?: Record<string, string> | null;
}

export type LimitChanges = { [Field in keyof KeyLimits]?: number | null };

/** A key as the admin API lists it: managed, or from the environment/config file (read-only). */
export type AdminKey =
  | { source: "admin"; key: ManagedKey }
  | { source: "config"; id: string; principal: Principal };

/** One project's, agent's or key's budget and limits in force, and where they come from. */
export interface BudgetEntry {
  scope: "project" | "agent" | "key";
  projectId: string | null;
  agentId: string | null;
  keyId: string | null;
  limits: KeyLimits;
  source: "config" | "admin" | "both";
  standing: BudgetStanding[];
  rateStanding: RateLimitStanding[];
}

export interface GovernanceAdminOptions {
  settings: LiveGovernanceSettings;
  clientKeys: ClientKeys;
  config: Pick<GatewayConfig, "budgets" | "rateLimits">;
  spend: SpendReader;
  rateLimiter: RateLimiter;
  logger: Logger;
  now?: () => number;
}

/** Config keys are listed under this prefix: no managed id (`key_…`) can take that shape. */
const configKeyPrefix = "config:";

/**
 * The admin API's use cases: managed client keys and stored budgets/limits.
 * Every write goes to the settings store through this replica's live view
 * (so the answer already shows it, and every replica within a second) and is
 * logged with the admin key's name; a secret is never logged, only returned
 * once to the caller.
 */
export class GovernanceAdmin {
  readonly spend: SpendReader;
  private readonly now: () => number;

  constructor(private readonly options: GovernanceAdminOptions) {
    this.spend = options.spend;
    this.now = options.now ?? Date.now;
  }

  listKeys(includeRevoked: boolean): AdminKey[] {
    const managed = this.options.settings
      .keys()
      .filter((key) => includeRevoked || key.revokedAtMs === undefined)
      .sort((a, b) => a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id))
      .map((key): AdminKey => ({ source: "admin", key }));
    return [...managed, ...this.configKeys()];
  }

  getKey(id: string): AdminKey {
    const managed = this.options.settings.key(id);
    if (managed) return { source: "admin", key: managed };
    const configured = this.configKeys().find((key) => key.source === "config" && key.id === id);
    if (configured) return configured;
    throw unknownKey(id);
  }

  async createKey(settings: KeySettings, admin: string): Promise<{ key: ManagedKey; secret: string }> {
    const secret = newManagedKeySecret();
    const at = this.now();
    const key: ManagedKey = {
      id: newManagedKeyId(),
      name: settings.name,
      digest: secretDigest(secret),
      secretHint: secretHint(secret),
      projects: settings.projects,
      ...(settings.agents ? { agents: settings.agents } : {}),
      ...(settings.models ? { models: settings.models } : {}),
      limits: settings.limits,
      ...(settings.expiresAtMs !== undefined ? { expiresAtMs: settings.expiresAtMs } : {}),
      metadata: settings.metadata,
      createdAtMs: at,
      updatedAtMs: at,
    };
    await this.write(() => this.options.settings.putKey(key));
    this.audit(admin, "key.create", { keyId: key.id, keyName: key.name, projects: key.projects });
    return { key, secret };
  }

  async updateKey(id: string, changes: KeyChanges, admin: string): Promise<ManagedKey> {
    const current = this.changeableKey(id);
    const updated: ManagedKey = {
      ...current,
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.projects !== undefined ? { projects: changes.projects } : {}),
      limits: changes.limits ? applyLimitChanges(current.limits, changes.limits) : current.limits,
      ...(changes.metadata !== undefined ? { metadata: changes.metadata ?? {} } : {}),
      updatedAtMs: this.now(),
    };
    setOrClear(updated, "agents", changes.agents);
    setOrClear(updated, "models", changes.models);
    setOrClear(updated, "expiresAtMs", changes.expiresAtMs);
    await this.write(() => this.options.settings.putKey(updated));
    this.audit(admin, "key.update", { keyId: id, keyName: updated.name, fields: Object.keys(changes) });
    return updated;
  }

  /** A new secret for the same key (id, budgets, spend kept); the old one is refused from now on. */
  async rotateKey(id: string, admin: string): Promise<{ key: ManagedKey; secret: string }> {
    const current = this.changeableKey(id);
    const secret = newManagedKeySecret();
    const key: ManagedKey = {
      ...current,
      digest: secretDigest(secret),
      secretHint: secretHint(secret),
      updatedAtMs: this.now(),
    };
    await this.write(() => this.options.settings.putKey(key));
    this.audit(admin, "key.rotate", { keyId: id, keyName: key.name });
    return { key, secret };
  }

  /** Idempotent: revoking a revoked key answers it as it is. */
  async revokeKey(id: string, admin: string): Promise<ManagedKey> {
    const current = this.managedKey(id);
    if (current.revokedAtMs !== undefined) return current;
    const at = this.now();
    const key: ManagedKey = { ...current, revokedAtMs: at, updatedAtMs: at };
    await this.write(() => this.options.settings.putKey(key));
    this.audit(admin, "key.revoke", { keyId: id, keyName: key.name });
    return key;
  }

  /** Lays changes over a project's (or agent's) stored limits; a stored entry left empty is removed. */
  async setLimits(
    projectId: string,
    agentId: string | undefined,
    changes: LimitChanges,
    admin: string,
  ): Promise<BudgetEntry> {
    const current = this.options.settings
      .storedLimits()
      .find((entry) => entry.projectId === projectId && entry.agentId === agentId);
    const limits = applyLimitChanges(current?.limits ?? {}, changes);
    if (Object.keys(limits).length === 0) {
      await this.write(() => this.options.settings.deleteLimits(projectId, agentId));
    } else {
      const stored: StoredLimits = {
        projectId,
        ...(agentId !== undefined ? { agentId } : {}),
        limits,
        updatedAtMs: this.now(),
      };
      await this.write(() => this.options.settings.putLimits(stored));
    }
    this.audit(admin, "limits.set", { projectId, agentId, limits });
    return this.budgetEntry(projectId, agentId);
  }

  async deleteLimits(projectId: string, agentId: string | undefined, admin: string): Promise<BudgetEntry> {
    const deleted = await this.write(() => this.options.settings.deleteLimits(projectId, agentId));
    if (deleted) this.audit(admin, "limits.delete", { projectId, agentId });
    return this.budgetEntry(projectId, agentId);
  }

  /** Every project and agent with a budget or limit (config or stored), then every managed key with one. */
  async budgetEntries(projectFilter?: string): Promise<BudgetEntry[]> {
    const { budgets, rateLimits } = this.options.config;
    const scopes = new Map<string, { projectId: string; agentId?: string }>();
    const add = (projectId: string, agentId?: string) =>
      scopes.set(JSON.stringify([projectId, agentId ?? null]), {
        projectId,
        ...(agentId ? { agentId } : {}),
      });
    for (const [projectId, budget] of Object.entries(budgets)) {
      add(projectId);
      for (const agentId of Object.keys(budget.agents)) add(projectId, agentId);
    }
    for (const [projectId, limits] of Object.entries(rateLimits.projects)) {
      add(projectId);
      for (const agentId of Object.keys(limits.agents ?? {})) add(projectId, agentId);
    }
    for (const entry of this.options.settings.storedLimits()) add(entry.projectId, entry.agentId);
    const ordered = [...scopes.values()]
      .filter((scope) => projectFilter === undefined || scope.projectId === projectFilter)
      .sort(
        (a, b) => a.projectId.localeCompare(b.projectId) || (a.agentId ?? "").localeCompare(b.agentId ?? ""),
      );
    const entries = await Promise.all(
      ordered.map((scope) => this.budgetEntry(scope.projectId, scope.agentId)),
    );
    const keyEntries = await Promise.all(
      this.options.settings
        .keys()
        .filter(
          (key) =>
            key.revokedAtMs === undefined &&
            Object.keys(key.limits).length > 0 &&
            (projectFilter === undefined || key.projects === "*" || key.projects.includes(projectFilter)),
        )
        .map((key) => this.keyBudgetEntry(key)),
    );
    return [...entries.filter((entry) => Object.keys(entry.limits).length > 0), ...keyEntries];
  }

  async budgetEntry(projectId: string, agentId: string | undefined): Promise<BudgetEntry> {
    const configured = this.configuredLimits(projectId, agentId);
    const stored =
      this.options.settings
        .storedLimits()
        .find((entry) => entry.projectId === projectId && entry.agentId === agentId)?.limits ?? {};
    const limits = { ...configured, ...stored };
    const hasConfigured = Object.keys(configured).length > 0;
    const hasStored = Object.keys(stored).length > 0;
    const scope: SpendScope =
      agentId === undefined ? { scope: "project", projectId } : { scope: "agent", projectId, agentId };
    return {
      scope: scope.scope,
      projectId,
      agentId: agentId ?? null,
      keyId: null,
      limits,
      source: hasConfigured && hasStored ? "both" : hasStored ? "admin" : "config",
      standing: await this.spend.standing(scope, budgetOf(limits), this.now()),
      rateStanding: await this.options.rateLimiter.standing({ projectId, agentId: agentId ?? "" }, [
        scope.scope,
      ]),
    };
  }

  async keyBudgetEntry(key: ManagedKey): Promise<BudgetEntry> {
    return {
      scope: "key",
      projectId: null,
      agentId: null,
      keyId: key.id,
      limits: key.limits,
      source: "admin",
      standing: await this.spend.standing({ scope: "key", keyId: key.id }, budgetOf(key.limits), this.now()),
      rateStanding: await this.options.rateLimiter.standing(
        { projectId: "", agentId: "", keyId: key.id, keyLimits: key.limits },
        ["key"],
      ),
    };
  }

  private configuredLimits(projectId: string, agentId: string | undefined): KeyLimits {
    const { budgets, rateLimits } = this.options.config;
    const projectBudget = Object.hasOwn(budgets, projectId) ? budgets[projectId] : undefined;
    const projectRates = Object.hasOwn(rateLimits.projects, projectId)
      ? rateLimits.projects[projectId]
      : undefined;
    if (agentId === undefined) {
      return definedOnly({
        dailyUsd: projectBudget?.dailyUsd,
        monthlyUsd: projectBudget?.monthlyUsd,
        requestsPerMinute: projectRates?.projectRpm,
        tokensPerMinute: projectRates?.projectTpm,
      });
    }
    const agentBudget =
      projectBudget && Object.hasOwn(projectBudget.agents, agentId)
        ? projectBudget.agents[agentId]
        : undefined;
    const agentRates =
      projectRates?.agents && Object.hasOwn(projectRates.agents, agentId)
        ? projectRates.agents[agentId]
        : undefined;
    return definedOnly({
      dailyUsd: agentBudget?.dailyUsd,
      monthlyUsd: agentBudget?.monthlyUsd,
      requestsPerMinute: agentRates?.rpm,
      tokensPerMinute: agentRates?.tpm,
    });
  }

  private configKeys(): AdminKey[] {
    return this.options.clientKeys.configured().map(
      (principal): AdminKey => ({
        source: "config",
        id: `${configKeyPrefix}${principal.keyName}`,
        principal,
      }),
    );
  }

  private managedKey(id: string): ManagedKey {
    const key = this.options.settings.key(id);
    if (key) return key;
    if (this.configKeys().some((configured) => configured.source === "config" && configured.id === id)) {
      throw new GatewayError(
        "GW_ERR_CONFIG_KEY",
        `Key "${id}" comes from the environment or the config file: change it there (the admin API only lists it).`,
        { param: "id" },
      );
    }
    throw unknownKey(id);
  }

  /** A managed key that is not revoked: a revoked key stays revoked (create a new one instead). */
  private changeableKey(id: string): ManagedKey {
    const key = this.managedKey(id);
    if (key.revokedAtMs !== undefined) {
      throw new GatewayError(
        "GW_ERR_INVALID_REQUEST",
        `Key "${id}" is revoked and cannot be changed or rotated; create a new key instead.`,
        { param: "id" },
      );
    }
    return key;
  }

  /** A store that did not confirm the write: nothing changed, the admin may retry. */
  private async write<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      this.options.logger.error({ err: error }, "admin: the governance settings store refused a write");
      throw new GatewayError(
        "GW_ERR_STORE_UNAVAILABLE",
        "The settings store is unavailable; nothing was changed. Retry once it is back.",
        { cause: error },
      );
    }
  }

  private audit(admin: string, action: string, details: Record<string, unknown>): void {
    this.options.logger.info({ admin, action, ...details }, `admin: ${action} by ${admin}`);
  }
}

function unknownKey(id: string): GatewayError {
  return new GatewayError("GW_ERR_UNKNOWN_KEY", `No client key has the id "${id}".`, { param: "id" });
}

function applyLimitChanges(current: KeyLimits, changes: LimitChanges): KeyLimits {
  const next: Record<string, number> = { ...current };
  for (const [field, value] of Object.entries(changes)) {
    if (value === null) delete next[field];
    else if (value !== undefined) next[field] = value;
  }
  return next as KeyLimits;
}

function setOrClear<Field extends "agents" | "models" | "expiresAtMs">(
  key: ManagedKey,
  field: Field,
  value: ManagedKey[Field] | null | undefined,
): void {
  if (value === null) delete key[field];
  else if (value !== undefined) key[field] = value;
}

function budgetOf(limits: KeyLimits): BudgetLimits {
  return definedOnly({ dailyUsd: limits.dailyUsd, monthlyUsd: limits.monthlyUsd });
}

function definedOnly<T extends Record<string, number | undefined>>(record: T): { [K in keyof T]?: number } {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: number;
  };
}
