import type { KeyLimits } from "../config/gateway-config.js";

/**
 * A client key managed through the admin API. Only the SHA-256 digest of its
 * secret is kept: the secret itself is shown once, in the answer that made it.
 */
export interface ManagedKey {
  /** `key_` and 12 base32 characters: stable across rotations, the key's budgets and spend are kept under it. */
  id: string;
  name: string;
  /** Hex SHA-256 of the secret. */
  digest: string;
  /** `lgw_…` and the secret's last 4 characters, so a person can tell keys apart. */
  secretHint: string;
  projects: string[] | "*";
  /** Absent: the caller names any agent id. */
  agents?: string[];
  /** Model groups and catalog models the key may call; absent: any. */
  models?: string[];
  limits: KeyLimits;
  expiresAtMs?: number;
  metadata: Record<string, string>;
  createdAtMs: number;
  updatedAtMs: number;
  revokedAtMs?: number;
}

/** A project's (no `agentId`) or an agent's stored budget and limits, laid over the config's field by field. */
export interface StoredLimits {
  projectId: string;
  agentId?: string;
  limits: KeyLimits;
  updatedAtMs: number;
}

/** Everything stored at one version: what a replica's live view holds. */
export interface GovernanceSnapshot {
  /** Grows with every write; a replica reloads when it sees another. */
  version: number;
  keys: ManagedKey[];
  limits: StoredLimits[];
}

/**
 * Managed client keys and stored budgets/limits, in the usage store's engine
 * (SQLite file of the data dir, or Redis shared by every replica). Every
 * write bumps the version in the same transaction, so a reader that sees the
 * new version reads the write too. Fails closed: a write the engine did not
 * confirm rejects.
 */
export interface GovernanceSettingsStore {
  version(): Promise<number>;
  snapshot(): Promise<GovernanceSnapshot>;
  /** Creates the key, or replaces the one with its id. */
  putKey(key: ManagedKey): Promise<void>;
  /** Creates or replaces the stored limits of a project or an agent. */
  putLimits(limits: StoredLimits): Promise<void>;
  /** Whether there were stored limits to remove. */
  deleteLimits(projectId: string, agentId: string | undefined): Promise<boolean>;
  /** Told when another process announces a write (Redis pub/sub), sooner than the version poll. */
  onChange?(listener: () => void): void;
  close(): Promise<void>;
}
