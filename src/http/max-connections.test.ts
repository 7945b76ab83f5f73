import { describe, expect, it } from "vitest";
import { defaultMaxConnections, readOpenFileLimit } from "./max-connections.js";

describe("defaultMaxConnections", () => {
  it("leaves half the descriptors past a reserve for upstream sockets", () => {
    // The case: at 2,048 descriptors, 2,100 half-sent bodies starved everything else.
    expect(defaultMaxConnections(2_048)).toBe(960);
    expect(defaultMaxConnections(1_024)).toBe(448);
  });

  it("stays within sane bounds at either end, and when the limit is unknown", () => {
    expect(defaultMaxConnections(1_048_576)).toBe(10_000);
    expect(defaultMaxConnections(100)).toBe(16);
    expect(defaultMaxConnections(undefined)).toBe(1_000);
  });

  it("reads this process's limit on Linux", () => {
    if (process.platform !== "linux") return;
    expect(readOpenFileLimit()).toBeGreaterThan(0);
  });
});
