import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ParameterSupport } from "../src/core/parameter-support.js";
import { openAiPresetDialects } from "../src/providers/openai/openai-compatible-presets.js";
import { parameterSupportByKind } from "../src/providers/parameter-support-by-kind.js";
import { renderParameterTable } from "../src/providers/render-parameter-table.js";

const readmePath = new URL("../README.md", import.meta.url);

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

/** The provider kinds of their own in one table, the presets of the OpenAI-compatible adapter in another. */
const presetKinds = new Set(Object.keys(openAiPresetDialects));
const tables: Array<[marker: string, kinds: Record<string, ParameterSupport>]> = [
  [
    "parameter-table",
    Object.fromEntries(Object.entries(parameterSupportByKind).filter(([kind]) => !presetKinds.has(kind))),
  ],
  [
    "preset-parameter-table",
    Object.fromEntries(Object.entries(parameterSupportByKind).filter(([kind]) => presetKinds.has(kind))),
  ],
];

describe("the README's parameter tables", () => {
  for (const [marker, kinds] of tables) {
    it(`${marker} is the capability tables the router reads`, () => {
      const start = `<!-- ${marker}:start -->\n`;
      const end = `<!-- ${marker}:end -->`;
      const readme = readFileSync(readmePath, "utf8");
      const from = readme.indexOf(start) + start.length;
      const to = readme.indexOf(end);
      expect(from).toBeGreaterThan(start.length - 1);
      const expected = renderParameterTable(kinds);
      if (process.env.UPDATE_README === "1") {
        // `npx biome check --write README.md` pads the columns afterwards.
        writeFileSync(readmePath, readme.slice(0, from) + expected + readme.slice(to));
        return;
      }
      const documented = cellsOf(readme.slice(from, to));
      expect(documented, "run with UPDATE_README=1 to regenerate it").toEqual(cellsOf(expected));
      expect(documented.length).toBe(30);
    });
  }
});
