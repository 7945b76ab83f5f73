// @ts-check

/** Dollars: cents and up to the cent, smaller amounts to the millionth (demo and test traffic costs fractions of a cent). */
export function formatUsd(/** @type {number} */ usd) {
  if (usd === 0) return "$0";
  if (Math.abs(usd) >= 1) {
    return `$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  }
  return `$${usd.toFixed(6)}`;
}

export function formatCount(/** @type {number} */ count) {
  return count.toLocaleString("en-US");
}

/** Short axis labels: 950, 1.2k, 3.4M. */
export function formatCompact(/** @type {number} */ value) {
  return value.toLocaleString("en-US", { notation: "compact", maximumFractionDigits: 1 });
}

/** Axis labels in dollars with as few digits as tell the ticks apart. */
export function formatUsdTick(/** @type {number} */ usd) {
  if (usd === 0) return "$0";
  return `$${usd.toLocaleString("en-US", { maximumSignificantDigits: 3 })}`;
}

/** `HH:MM:SS` of an ISO timestamp, in UTC like every period the gateway reports. */
export function formatTimeUtc(/** @type {string} */ iso) {
  return new Date(iso).toISOString().slice(11, 19);
}
