import { createHash, timingSafeEqual } from "node:crypto";
import type { ClientKeyConfig } from "../config/gateway-config.js";
import type { Principal } from "./principal.js";

interface StoredKey {
  digest: Buffer;
  principal: Principal;
}

/**
 * Client keys, kept only as SHA-256 digests once loaded. A presented key is
 * compared against every stored digest in constant time, so neither the
 * answer nor its timing says how close a guess was.
 */
export class ClientKeys {
  private readonly keys: StoredKey[];

  constructor(configured: readonly ClientKeyConfig[]) {
    this.keys = configured.map((entry) => ({
      digest: digest(entry.key),
      principal: {
        keyName: entry.name,
        projects: entry.projects === "*" ? "*" : new Set(entry.projects),
        ...(entry.agents ? { agents: new Set(entry.agents) } : {}),
      },
    }));
  }

  /** Without keys the gateway runs unauthenticated (loopback only, unless explicitly allowed). */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  authenticate(presented: string): Principal | undefined {
    const presentedDigest = digest(presented);
    let match: Principal | undefined;
    for (const key of this.keys) {
      // No early exit: every stored key is compared, whatever matched.
      if (timingSafeEqual(key.digest, presentedDigest)) match = key.principal;
    }
    return match;
  }
}

function digest(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}
