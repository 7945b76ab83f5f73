import type { KeyLimits } from "../config/gateway-config.js";
import { GatewayError } from "../core/gateway-error.js";

/**
 * Who holds the client key a request came with. Undefined when the gateway
 * runs without client keys (loopback only, or explicitly allowed).
 */
export interface Principal {
  /** The key's label from configuration; never the key. */
  keyName: string;
  projects: ReadonlySet<string> | "*";
  /**
   * The agent ids the key is pinned to. Absent, the caller names any agent id: per-agent limits
   * and budgets are then advisory (ids can be rotated), per-project ones still hold.
   */
  agents?: ReadonlySet<string>;
  /** A key managed through the admin API: its stable id (budgets, limits and spend are kept under it). */
  keyId?: string;
  /** The model groups and catalog models the key may call; absent, any. */
  models?: ReadonlySet<string>;
  /** The key's own budget and rate limits, as stored when it authenticated; absent, none. */
  limits?: KeyLimits;
}

/**
 * Whether the key's holder sees every project: a `*` key, or no key at all (the gateway runs without
 * client keys). Only such callers may read what another project's requests revealed, such as
 * upstream error texts.
 */
export function seesEveryProject(principal: Principal | undefined): boolean {
  return !principal || principal.projects === "*";
}

/** Whether the key's holder may act for (spend for, read about) a project. */
export function mayActFor(principal: Principal | undefined, projectId: string): boolean {
  return !principal || principal.projects === "*" || principal.projects.has(projectId);
}

/** A key for project A can neither spend for, nor read the usage of, project B. */
export function assertMayActFor(principal: Principal | undefined, projectId: string): void {
  if (!principal || mayActFor(principal, projectId)) return;
  throw new GatewayError(
    "GW_ERR_FORBIDDEN_PROJECT",
    `This client key may not act for project "${projectId}"; it may act for: ${[...principal.projects].join(", ")}.`,
    { param: "project_id" },
  );
}

/** Whether the key's holder may act as an agent: any agent, unless the key pins its agent ids. */
export function mayActAs(principal: Principal | undefined, agentId: string): boolean {
  return principal?.agents === undefined || principal.agents.has(agentId);
}

/** A key pinned to agents a and b cannot act as c, so per-agent limits and budgets hold for it. */
export function assertMayActAs(principal: Principal | undefined, agentId: string): void {
  if (principal?.agents === undefined || mayActAs(principal, agentId)) return;
  throw new GatewayError(
    "GW_ERR_FORBIDDEN_AGENT",
    `This client key may not act as agent "${agentId}"; it is pinned to the agent ids: ${[...principal.agents].join(", ")}.`,
    { param: "agent_id" },
  );
}

/** Every check a door makes before acting for a caller: the project, then the agent id. */
export function assertMayCall(principal: Principal | undefined, projectId: string, agentId: string): void {
  assertMayActFor(principal, projectId);
  assertMayActAs(principal, agentId);
}

/** The project a request is for when it names none: the key's only project, if it has exactly one. */
export function defaultProjectOf(principal: Principal | undefined): string | undefined {
  if (!principal) return "default";
  if (principal.projects !== "*" && principal.projects.size === 1) return [...principal.projects][0];
  return undefined;
}

/** The agent a request is for when it names none: "default", or a pinned key's only agent id. */
export function defaultAgentOf(principal: Principal | undefined): string | undefined {
  if (principal?.agents === undefined) return "default";
  return principal.agents.size === 1 ? [...principal.agents][0] : undefined;
}
