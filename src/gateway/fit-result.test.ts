import { describe, expect, it } from "vitest";
import { fitResult } from "./fit-result.js";
import { KeptResults } from "./kept-results.js";
import { TokenCounter } from "./token-counter.js";

describe("fitResult", () => {
  const parts = { tokenCounter: new TokenCounter(), kept: new KeptResults(60_000) };
  const owner = { projectId: "proj-a", principal: undefined };

  it("cuts a text of fewer characters than the limit but more tokens (each rune is 3 tokens)", async () => {
    const runes = "ᚠ".repeat(60); // 60 characters, 180 o200k tokens
    const fitted = await fitResult(parts, runes, 100, owner);
    expect(fitted.cut?.totalTokens).toBe(180);
    expect(fitted.cut?.shownTokens).toBeLessThanOrEqual(100);
    expect(parts.kept.read(fitted.cut?.keptId ?? "", undefined)).toBe(runes);
  });

  it("never splits a surrogate pair", async () => {
    const letters = "𓀀".repeat(200); // 2 UTF-16 units and 4 tokens each
    const fitted = await fitResult(parts, letters, 102, owner);
    expect(fitted.text.length % 2).toBe(0);
    expect(letters.startsWith(fitted.text)).toBe(true);
    expect(fitted.text).toBe("𓀀".repeat(fitted.text.length / 2));
  });

  it("returns a text within the limit whole, keeping nothing", async () => {
    expect(await fitResult(parts, "short", 100, owner)).toEqual({ text: "short" });
  });
});
