import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parameterSupportByKind } from "../src/providers/parameter-support-by-kind.js";
import { renderParameterTable } from "../src/providers/render-parameter-table.js";

const readmePath = new URL("../README.md", import.meta.url);
const start = "<!-- parameter-table:start -->\n";
const end = "<!-- parameter-table:end -->";

/** The table's cells row by row, whatever column padding the Markdown formatter gave it. */
function cellsOf(table: string): string[][] {
  return table
    .split("\n")
    .filter((line) => line.startsWith("|") && !/^\|[\s|:-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

describe("the README's parameter table", () => {
  it("is the capability tables the router reads", () => {
    const readme = readFileSync(readmePath, "utf8");
    const from = readme.indexOf(start) + start.length;
    const to = readme.indexOf(end);
    expect(from).toBeGreaterThan(start.length - 1);
    const expected = renderParameterTable(parameterSupportByKind);
    if (process.env.UPDATE_README === "1") {
      // `npx biome check --write README.md` pads the columns afterwards.
      writeFileSync(readmePath, readme.slice(0, from) + expected + readme.slice(to));
      return;
    }
    const documented = cellsOf(readme.slice(from, to));
    expect(documented, "run with UPDATE_README=1 to regenerate it").toEqual(cellsOf(expected));
    expect(documented.length).toBe(30);
  });
});
