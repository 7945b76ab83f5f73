import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load-config.js";
import { createProviderAdapters } from "../providers/registry.js";
import { Deployments } from "./deployments.js";

const config = loadConfig({ OPENAI_API_KEY: "sk-deployments-test" });
const deployments = new Deployments(config, await createProviderAdapters(config.providers));

describe("Deployments", () => {
  it("resolves a group to its chain and a catalog model to itself", () => {
    expect(deployments.selectorFor("fast")).toEqual({ modelGroup: "fast" });
    expect(deployments.selectorFor("gpt-4.1")).toEqual({ model: "gpt-4.1" });
    expect(deployments.chainOf("fast").map((deployment) => deployment.model.name)).toEqual([
      "claude-haiku",
      "gpt-4.1-mini",
      "gemini-flash",
    ]);
  });

  // Found by the fuzz test: a caller's name looked up on a plain object reached Object.prototype.
  it.each(["valueOf", "constructor", "toString", "__proto__", "hasOwnProperty"])(
    "treats %s as an unknown name, not an inherited property",
    (name) => {
      expect(() => deployments.chainOf(name)).toThrow(
        expect.objectContaining({ code: "GW_ERR_UNKNOWN_MODEL_GROUP" }),
      );
      expect(() => deployments.selectorFor(name)).toThrow(
        expect.objectContaining({ code: "GW_ERR_UNKNOWN_MODEL" }),
      );
      expect(() => deployments.targetsFor({ modelGroup: name }, "chat")).toThrow(
        expect.objectContaining({ code: "GW_ERR_UNKNOWN_MODEL_GROUP" }),
      );
      expect(() => deployments.targetsFor({ model: name }, "chat")).toThrow(
        expect.objectContaining({ code: "GW_ERR_UNKNOWN_MODEL" }),
      );
    },
  );
});
