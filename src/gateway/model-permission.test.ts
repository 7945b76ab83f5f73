import { describe, expect, it } from "vitest";
import { GatewayError } from "../core/gateway-error.js";
import { assertMayUseModels, mayUseModel } from "./model-permission.js";
import type { Principal } from "./principal.js";

const groups: Record<string, string[]> = {
  fast: ["claude-haiku", "gpt-4.1-mini"],
  embedding: ["text-embedding-3-large"],
};
const catalog = ["claude-haiku", "gpt-4.1-mini", "gpt-4.1", "text-embedding-3-large"];
const deployments = {
  isKnown: (name: string) => Object.hasOwn(groups, name) || catalog.includes(name),
  chainOf: (group: string) => {
    const chain = groups[group];
    if (!chain) throw new Error("unknown group");
    return chain.map((name) => ({ model: { name } })) as never;
  },
};
const key = (models?: string[]): Principal => ({
  keyName: "k",
  projects: "*",
  ...(models ? { models: new Set(models) } : {}),
});
const refusal = (run: () => void) => {
  try {
    run();
  } catch (error) {
    return error instanceof GatewayError ? { code: error.code, param: error.param } : error;
  }
  return undefined;
};

describe("a key's models list", () => {
  it("admits anything without a list, and without a key", () => {
    expect(mayUseModel(undefined, "gpt-4.1", () => undefined)).toBe(true);
    expect(mayUseModel(key(), "gpt-4.1", () => undefined)).toBe(true);
  });

  it("admits listed groups and models, and the models of listed groups", () => {
    const chainOf = (group: string) => groups[group];
    expect(mayUseModel(key(["fast"]), "fast", chainOf)).toBe(true);
    expect(mayUseModel(key(["fast"]), "gpt-4.1-mini", chainOf)).toBe(true);
    expect(mayUseModel(key(["fast"]), "gpt-4.1", chainOf)).toBe(false);
    expect(mayUseModel(key(["gpt-4.1-mini"]), "fast", chainOf)).toBe(false);
  });

  it("refuses the group, the model or any fallback outside the list, naming the field", () => {
    const principal = key(["fast", "gpt-4.1"]);
    expect(
      refusal(() => assertMayUseModels(principal, { modelGroup: "fast" }, "chat", deployments)),
    ).toBeUndefined();
    expect(refusal(() => assertMayUseModels(principal, {}, "chat", deployments))).toBeUndefined(); // default "reasoning" is unknown here
    expect(refusal(() => assertMayUseModels(principal, {}, "embedding", deployments))).toEqual({
      code: "GW_ERR_FORBIDDEN_MODEL",
      param: "model_group",
    });
    expect(
      refusal(() =>
        assertMayUseModels(
          principal,
          { model: "gpt-4.1", fallbacks: ["claude-haiku", "text-embedding-3-large"] },
          "chat",
          deployments,
        ),
      ),
    ).toEqual({ code: "GW_ERR_FORBIDDEN_MODEL", param: "fallbacks.1" });
    // Unknown names are the router's to refuse (GW_ERR_UNKNOWN_MODEL).
    expect(
      refusal(() => assertMayUseModels(principal, { model: "no-such" }, "chat", deployments)),
    ).toBeUndefined();
  });
});
