import { describe, expect, it } from "vitest";
import { expiresInToIso, parseList, parseMetadata, parsePerMinute, parseUsd } from "./governance-flags.js";
import { CliUsageError, parseFlags } from "./parse-flags.js";

describe("the governance commands' flags", () => {
  it("reads dollars, per-minute counts and `none` where a value may be cleared", () => {
    expect(parseUsd("daily-usd", "5")).toBe(5);
    expect(parseUsd("daily-usd", "$0.50")).toBe(0.5);
    expect(parseUsd("daily-usd", "0")).toBe(0);
    expect(parseUsd("daily-usd", "none", true)).toBeNull();
    expect(() => parseUsd("daily-usd", "none")).toThrow(/--daily-usd must be an amount of dollars/);
    for (const bad of ["-1", "five", "", "Infinity"]) {
      expect(() => parseUsd("daily-usd", bad), bad).toThrow(CliUsageError);
    }
    expect(parsePerMinute("rpm", "60")).toBe(60);
    expect(parsePerMinute("tpm", "none", true)).toBeNull();
    for (const bad of ["0", "1.5", "-3", "1e3", "lots"]) {
      expect(() => parsePerMinute("rpm", bad), bad).toThrow(/--rpm must be a whole number per minute/);
    }
  });

  it("turns --expires-in into a time from now", () => {
    const now = Date.parse("2026-12-06T12:00:00Z");
    expect(expiresInToIso("30d", now)).toBe("2027-01-05T12:00:00.000Z");
    expect(expiresInToIso("12h", now)).toBe("2026-12-07T00:00:00.000Z");
    expect(expiresInToIso("90m", now)).toBe("2026-12-06T13:30:00.000Z");
    expect(expiresInToIso("2w", now)).toBe("2026-12-20T12:00:00.000Z");
    for (const bad of ["30", "0d", "3y", "-1d", "1.5d"]) {
      expect(() => expiresInToIso(bad, now), bad).toThrow(/--expires-in must be a duration/);
    }
  });

  it("reads lists and metadata entries, values keeping their own =", () => {
    expect(parseList("projects", " a, b ,,c")).toEqual(["a", "b", "c"]);
    expect(() => parseList("projects", " , ")).toThrow(/--projects needs at least one name/);
    expect(parseMetadata(["owner=alice", "query=a=b", "empty="])).toEqual({
      owner: "alice",
      query: "a=b",
      empty: "",
    });
    expect(() => parseMetadata(["=x"])).toThrow(/--metadata takes key=value/);
    expect(() => parseMetadata(["novalue"])).toThrow(/--metadata takes key=value/);
  });

  it("parses switches, repeated flags and --name=value at its first =", () => {
    const parsed = parseFlags(
      ["create", "--metadata", "a=1", "--metadata=b=2=3", "--json", "--name=x"],
      ["metadata", "name"],
      { switches: ["json"], repeatable: ["metadata"] },
    );
    expect(parsed.positional).toEqual(["create"]);
    expect(parsed.lists.metadata).toEqual(["a=1", "b=2=3"]);
    expect(parsed.flags.name).toBe("x");
    expect(parsed.switches.has("json")).toBe(true);
    expect(() => parseFlags(["--json=yes"], [], { switches: ["json"] })).toThrow("--json takes no value");
    expect(() => parseFlags(["--nope"], ["name"], { switches: ["json"] })).toThrow(
      "unknown option --nope (known: --name, --json)",
    );
    expect(() => parseFlags(["--name"], ["name"])).toThrow("--name needs a value");
  });
});
