import { setFlagsFromString } from "node:v8";

/**
 * How far V8 lets the old generation grow past what survived its last full GC, in percent, for a
 * serving process. V8's own factor (up to 4x under a high allocation rate) let a gateway under
 * 32 connections hold ~70 MB of old space over ~30 MB live. In `npm run bench` against the build
 * before (which also had better-sqlite3's 16 MB page caches), RSS under the chat load fell
 * 359 -> 223 MB at 100 %, for ~4 % more CPU a /v1 request (within the runs' noise for MCP); 60 %
 * took 185 MB off for 4-15 % more CPU, and 20 % cost a fifth more CPU in mark-compacts (issue 21).
 */
export const servingHeapGrowingPercent = 100;

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
