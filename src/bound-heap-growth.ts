import { setFlagsFromString } from "node:v8";

/**
 * How far V8 lets the old generation grow past what survived its last full GC, in percent, for a
 * serving process. V8's own factor (up to 4x under a high allocation rate) let a gateway under
 * 32 connections hold ~70 MB of old space over ~30 MB live. In `npm run bench` against the build
 * before (with the smaller SQLite page cache), RSS under load fell 346 -> 208 MB at 60 %, for 2-3 %
 * more CPU a /v1 request; 20 % saved only 16 MB more and cost 20 % CPU in mark-compacts (issue 21).
 */
export const servingHeapGrowingPercent = 60;

/**
 * Bounds heap growth unless the operator chose it (`node --heap-growing-percent=N`; NODE_OPTIONS
 * refuses the flag). Unlike the semi-space size, this V8 flag is read at each GC, so it takes
 * effect when set at run time (checked on Node 20, 22 and 24).
 */
export function boundHeapGrowth(execArgv: readonly string[]): boolean {
  const flag = "heap-growing-percent";
  if (execArgv.some((arg) => arg.includes(flag))) return false;
  setFlagsFromString(`--${flag}=${servingHeapGrowingPercent}`);
  return true;
}
