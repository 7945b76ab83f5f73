import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { boundHeapGrowth } from "./bound-heap-growth.js";

describe("boundHeapGrowth", () => {
  it("leaves heap growth to the operator who set it in node's flags", () => {
    expect(boundHeapGrowth(["--max-old-space-size=512", "--heap-growing-percent=50"])).toBe(false);
  });

  it("sets the flag in a running process without harm", () => {
    // Some V8 flags trap when set after start (--single-threaded-gc did); this one must not, and GC must go on.
    const script = `
      const v8 = require("node:v8");
      v8.setFlagsFromString("--heap-growing-percent=20");
      let kept = [];
      for (let i = 0; i < 2e6; i++) { kept.push({ i }); if (kept.length > 1e5) kept = []; }
      process.stdout.write("gc ran");
    `;
    expect(
      execFileSync(process.execPath, ["--expose-gc", "-e", `${script}; gc()`], { encoding: "utf8" }),
    ).toBe("gc ran");
    expect(boundHeapGrowth([])).toBe(true);
  });
});
