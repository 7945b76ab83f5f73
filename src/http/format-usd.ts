/**
 * A USD amount in fixed-point decimal for headers: `String(3.9e-7)` is
 * "3.9e-7", which a header reader parsing decimals misreads. Costs are whole
 * nano-USD, so nine decimals are exact; trailing zeros go.
 */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return "0";
  const fixed = usd.toFixed(9);
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}
