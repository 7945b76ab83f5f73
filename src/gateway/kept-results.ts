import { randomUUID } from "node:crypto";
import { GatewayError } from "../core/gateway-error.js";
import { mayActFor, type Principal } from "./principal.js";

interface KeptResult {
  text: string;
  projectId: string;
  /** The client key that made the call; undefined without client keys. */
  keyName: string | undefined;
  expiresAt: number;
}

/**
 * Full texts of results too long for a client, kept for a while so the
 * client can read them whole (an MCP resource). They live in the gateway, not
 * in an MCP server: over stateless HTTP a server lives for one request. Kept
 * in this process's memory: a replica behind a load balancer that did not
 * make the call answers "unknown or expired".
 */
export class KeptResults {
  private readonly results = new Map<string, KeptResult>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keeps a text for the project (and key) that made the call; returns its id. */
  keep(text: string, projectId: string, principal: Principal | undefined): string {
    this.sweep();
    const id = randomUUID();
    this.results.set(id, {
      text,
      projectId,
      keyName: principal?.keyName,
      expiresAt: this.now() + this.ttlMs,
    });
    return id;
  }

  /**
   * The text, for the key that made the call or one that may act for its
   * project; anyone else is told it is unknown, as if it did not exist.
   */
  read(id: string, principal: Principal | undefined): string {
    const kept = this.results.get(id);
    const visible =
      kept !== undefined &&
      kept.expiresAt > this.now() &&
      (principal === undefined || principal.keyName === kept.keyName || mayActFor(principal, kept.projectId));
    if (!visible) {
      throw new GatewayError(
        "GW_ERR_INVALID_REQUEST",
        `No kept result "${id}": it is unknown, belongs to another project, or expired (results are kept ${Math.round(this.ttlMs / 1000)} s).`,
      );
    }
    return kept.text;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, kept] of this.results) if (kept.expiresAt <= now) this.results.delete(id);
  }
}
