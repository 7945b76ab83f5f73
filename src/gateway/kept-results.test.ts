import { describe, expect, it } from "vitest";
import { KeptResults } from "./kept-results.js";

describe("KeptResults", () => {
  const keyA = { keyName: "a", projects: new Set(["proj-a"]) };
  const keyB = { keyName: "b", projects: new Set(["proj-b"]) };
  const admin = { keyName: "admin", projects: "*" as const };

  it("serves a text to its key and to keys that may act for its project, no one else", () => {
    const kept = new KeptResults(60_000);
    const id = kept.keep("whole text", "proj-a", keyA);
    expect(kept.read(id, keyA)).toBe("whole text");
    expect(kept.read(id, admin)).toBe("whole text");
    expect(() => kept.read(id, keyB)).toThrow(/No kept result/);
  });

  it("forgets a text once its time is up", () => {
    let now = 1_000;
    const kept = new KeptResults(60_000, () => now);
    const id = kept.keep("whole text", "proj-a", undefined);
    now += 59_999;
    expect(kept.read(id, undefined)).toBe("whole text");
    now += 1;
    expect(() => kept.read(id, undefined)).toThrow(/expired \(results are kept 60 s\)/);
  });
});
