import { GatewayError } from "../core/gateway-error.js";
import type { ModelKind } from "../core/model-catalog.js";
import type { TokenNeed } from "../routing/deployment-load.js";
import type { Deployment, Deployments } from "../routing/deployments.js";
import type { Principal } from "./principal.js";

/** What a request asks for, as the doors resolved it (aliases already mapped). */
export interface ModelSelection {
  modelGroup?: string;
  model?: string;
  fallbacks?: string[];
}

/**
 * Whether a key's `models` list admits a name: a group it lists, a catalog
 * model it lists, or a catalog model of a group it lists (the group already
 * lets the key spend on that model; asking for it by name only skips the
 * failover).
 */
export function mayUseModel(
  principal: Principal | undefined,
  name: string,
  chainOf: (group: string) => readonly string[] | undefined,
): boolean {
  const allowed = principal?.models;
  if (allowed === undefined || allowed.has(name)) return true;
  for (const group of allowed) {
    if (chainOf(group)?.includes(name)) return true;
  }
  return false;
}

/**
 * Refuses with GW_ERR_FORBIDDEN_MODEL (403) a request whose group, model or
 * any fallback the key may not use. Checked where a request's deployments are
 * chosen (`targetsForCaller`), so every door and use case meets it once.
 */
export function assertMayUseModels(
  principal: Principal | undefined,
  selection: ModelSelection,
  kind: ModelKind,
  deployments: Pick<Deployments, "isKnown" | "chainOf">,
): void {
  if (principal?.models === undefined) return;
  const chainOf = (group: string): string[] | undefined => {
    try {
      return deployments.chainOf(group).map((deployment) => deployment.model.name);
    } catch {
      return undefined;
    }
  };
  const asked = selection.model
    ? [selection.model, ...(selection.fallbacks ?? [])]
    : [selection.modelGroup ?? (kind === "chat" ? "reasoning" : "embedding")];
  asked.forEach((name, index) => {
    // An unknown name is the router's to report (GW_ERR_UNKNOWN_MODEL), not a permission matter.
    if (!deployments.isKnown(name) || mayUseModel(principal, name, chainOf)) return;
    const param = selection.model ? (index === 0 ? "model" : `fallbacks.${index - 1}`) : "model_group";
    throw new GatewayError(
      "GW_ERR_FORBIDDEN_MODEL",
      `This client key may not use ${selection.model ? "model" : "model group"} "${name}"; it may use: ${[...(principal.models ?? [])].join(", ")}.`,
      { param },
    );
  });
}

/** The deployments to try for a caller's request, once its key may use what it asked for. */
export function targetsForCaller(
  deployments: Deployments,
  selection: ModelSelection,
  kind: ModelKind,
  principal: Principal | undefined,
  need?: TokenNeed,
): Deployment[] {
  assertMayUseModels(principal, selection, kind, deployments);
  return deployments.targetsFor(selection, kind, need);
}
