import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { boundHeapGrowth } from "./bound-heap-growth.js";

describe("boundHeapGrowth", () => {
  it("leaves heap growth to the operator who set it in node's flags", () => {
    expect(boundHeapGrowth(["--max-old-space-size=512", "--heap-growing-percent=50"])).toBe(false);
  });

  it("sets the flag in a running process, whose GC then goes on (some V8 flags trap when set after start)", () => {
    // In a process of its own: the flag is process-wide, and --single-threaded-gc set this way crashed node.
    const script = `
      import { boundHeapGrowth } from "./src/bound-heap-growth.ts";
      const bounded = boundHeapGrowth([]);
      let kept = [];
      for (let i = 0; i < 2e6; i++) { kept.push({ i }); if (kept.length > 1e5) kept = []; }
      globalThis.gc();
      process.stdout.write(String(bounded));
    `;
    const output = execFileSync(
      process.execPath,
      ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", script],
      { encoding: "utf8" },
    );
    expect(output).toBe("true");
  });
});
