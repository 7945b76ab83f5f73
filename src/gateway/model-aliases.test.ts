import { describe, expect, it } from "vitest";
import { defaultModelAliases } from "../config/default-catalog.js";
import { ModelAliases } from "./model-aliases.js";

describe("ModelAliases", () => {
  const defaults = new ModelAliases(defaultModelAliases);

  it("sends each Claude family to the group of its kind, and any other Claude id to reasoning", () => {
    expect(defaults.targetFor("claude-opus-4-8")).toBe("reasoning");
    expect(defaults.targetFor("claude-sonnet-4-5-20250929")).toBe("code");
    expect(defaults.targetFor("claude-haiku-4-5")).toBe("fast");
    expect(defaults.targetFor("claude-3-7-sonnet-latest")).toBe("reasoning");
    expect(defaults.targetFor("gpt-9")).toBeUndefined();
  });

  it("sends current OpenAI ids Codex and the Agents SDK default to the group of their kind", () => {
    expect(defaults.targetFor("gpt-5.1-codex-max")).toBe("code");
    expect(defaults.targetFor("codex-mini-latest")).toBe("code");
    expect(defaults.targetFor("gpt-5-mini")).toBe("fast");
    expect(defaults.targetFor("gpt-5.2-nano")).toBe("fast");
    expect(defaults.targetFor("gpt-5.2")).toBe("reasoning");
    expect(defaults.targetFor("gpt-4.1-turbo")).toBeUndefined();
  });

  it("takes the first matching pattern; '?' is one character and the rest is literal", () => {
    const aliases = new ModelAliases([
      { pattern: "my.model-?", target: "fast" },
      { pattern: "my*", target: "code" },
    ]);
    expect(aliases.targetFor("my.model-1")).toBe("fast");
    expect(aliases.targetFor("myXmodel-1")).toBe("code");
    expect(aliases.targetFor("my.model-12")).toBe("code");
    expect(aliases.targetFor("(my)")).toBeUndefined();
  });
});
