import { describe, expect, it } from "vitest";
import { RecentAnswers } from "./recent-answers.js";

describe("RecentAnswers", () => {
  it("keeps texts within its bound, the least recently used going first", () => {
    const recent = new RecentAnswers(10);
    recent.remember("a", "aaaa", 100);
    recent.remember("b", "bbbb", 100);
    expect(recent.get("a", 0)).toBe("aaaa");
    recent.remember("c", "cccc", 100);
    expect(recent.get("b", 0)).toBeUndefined();
    expect(recent.get("a", 0)).toBe("aaaa");
    expect(recent.get("c", 0)).toBe("cccc");
    expect(recent.bytes).toBe(8);
  });

  it("forgets a text once its expiry is reached, and its bytes with it", () => {
    const recent = new RecentAnswers(10);
    recent.remember("a", "aaaa", 100);
    expect(recent.get("a", 99)).toBe("aaaa");
    expect(recent.get("a", 100)).toBeUndefined();
    expect(recent.bytes).toBe(0);
  });

  it("replaces a key's text, and keeps none bigger than its whole room", () => {
    const recent = new RecentAnswers(10);
    recent.remember("a", "aaaa", 100);
    recent.remember("a", "AAAAAA", 100);
    expect(recent.get("a", 0)).toBe("AAAAAA");
    expect(recent.bytes).toBe(6);
    recent.remember("a", "x".repeat(11), 100);
    expect(recent.get("a", 0)).toBeUndefined();
    expect(recent.bytes).toBe(0);
  });
});
