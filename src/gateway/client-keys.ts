import { createHash, timingSafeEqual } from "node:crypto";
import type { ClientKeyConfig } from "../config/gateway-config.js";
import type { ManagedKey } from "../governance/governance-settings.js";
import type { Principal } from "./principal.js";

interface StoredKey {
  digest: Buffer;
  principal: Principal;
}

/** Where managed keys (admin API) are found: the replica's live view of the settings store. */
export interface ManagedKeyLookup {
  keyByDigest(hexDigest: string): ManagedKey | undefined;
}

/** A presented key's fate: its holder, or why it is refused (each has its own message). */
export type Authentication =
  | { ok: true; principal: Principal }
  | { ok: false; reason: "unknown" | "revoked" | "expired" };

/**
 * Client keys, kept only as SHA-256 digests. A presented key is compared
 * against every configured digest in constant time, so neither the answer
 * nor its timing says how close a guess was; managed keys are then looked up
 * by digest in the live view, so a revocation on any replica applies here
 * at its next refresh, and their principal is built per request from the
 * key as stored now.
 */
export class ClientKeys {
  private readonly keys: StoredKey[];
  /**
   * Presented keys' digests: a client sends the same key with every request, and hashing it
   * each time was a measurable share of a request's CPU. Bounded, since anyone may present keys.
   */
  private readonly presentedDigests = new Map<string, Buffer>();

  constructor(
    configured: readonly ClientKeyConfig[],
    private readonly managed?: ManagedKeyLookup,
  ) {
    this.keys = configured.map((entry) => ({
      digest: digest(entry.key),
      principal: {
        keyName: entry.name,
        projects: entry.projects === "*" ? "*" : new Set(entry.projects),
        ...(entry.agents ? { agents: new Set(entry.agents) } : {}),
      },
    }));
  }

  /**
   * Without configured keys the gateway runs unauthenticated (loopback only, unless explicitly
   * allowed): managed keys alone never switch authentication on, since only a configured admin
   * key can manage them.
   */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** Whether any configured key is an admin key (projects `*`): the admin API needs one. */
  get hasAdminKey(): boolean {
    return this.keys.some((key) => key.principal.projects === "*");
  }

  /** The configured keys' holders (names, projects, agents), for the admin API's listing. */
  configured(): Principal[] {
    return this.keys.map((key) => key.principal);
  }

  authenticate(presented: string, nowMs: number = Date.now()): Authentication {
    const presentedDigest = this.digestOfPresented(presented);
    let match: Principal | undefined;
    for (const key of this.keys) {
      // No early exit: every stored key is compared, whatever matched.
      if (timingSafeEqual(key.digest, presentedDigest)) match = key.principal;
    }
    if (match) return { ok: true, principal: match };
    const managed = this.managed?.keyByDigest(presentedDigest.toString("hex"));
    if (!managed) return { ok: false, reason: "unknown" };
    if (managed.revokedAtMs !== undefined) return { ok: false, reason: "revoked" };
    if (managed.expiresAtMs !== undefined && managed.expiresAtMs <= nowMs)
      return { ok: false, reason: "expired" };
    return { ok: true, principal: principalOf(managed) };
  }

  private digestOfPresented(presented: string): Buffer {
    let known = this.presentedDigests.get(presented);
    if (known === undefined) {
      if (this.presentedDigests.size >= maxRememberedDigests) this.presentedDigests.clear();
      known = digest(presented);
      this.presentedDigests.set(presented, known);
    }
    return known;
  }
}

const maxRememberedDigests = 1024;

function principalOf(key: ManagedKey): Principal {
  return {
    keyName: key.name,
    keyId: key.id,
    projects: key.projects === "*" ? "*" : new Set(key.projects),
    ...(key.agents ? { agents: new Set(key.agents) } : {}),
    ...(key.models ? { models: new Set(key.models) } : {}),
    ...(Object.keys(key.limits).length > 0 ? { limits: key.limits } : {}),
  };
}

function digest(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}
