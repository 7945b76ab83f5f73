import { CliUsageError } from "./parse-flags.js";

/** `a,b` as a list; empty items dropped. */
export function parseList(flag: string, value: string): string[] {
  const items = value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  if (items.length === 0) throw new CliUsageError(`--${flag} needs at least one name (a,b,c)`);
  return items;
}

/**
 * A dollar amount, or `none` (null: clears it) where `clearable`. A leading `$` is fine, since
 * that is how people write dollars.
 */
export function parseUsd(flag: string, value: string, clearable = false): number | null {
  if (clearable && value === "none") return null;
  const amount = Number(value.replace(/^\$/, ""));
  if (value.trim() === "" || !Number.isFinite(amount) || amount < 0) {
    throw new CliUsageError(
      `--${flag} must be an amount of dollars such as 5 or 0.50${clearable ? ", or none to clear it" : ""}, got "${value}"`,
    );
  }
  return amount;
}

/** A whole number per minute, or `none` (null: clears it) where `clearable`. */
export function parsePerMinute(flag: string, value: string, clearable = false): number | null {
  if (clearable && value === "none") return null;
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new CliUsageError(
      `--${flag} must be a whole number per minute, at least 1${clearable ? ", or none to clear it" : ""}, got "${value}"`,
    );
  }
  return Number(value);
}

const durationUnitsMs: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** `--expires-in 30d` (m, h, d or w) as an ISO time from `nowMs`. */
export function expiresInToIso(value: string, nowMs: number): string {
  const match = /^(\d+)([mhdw])$/.exec(value.trim());
  const unit = durationUnitsMs[match?.[2] ?? ""];
  if (!match || unit === undefined || Number(match[1]) < 1) {
    throw new CliUsageError(`--expires-in must be a duration such as 90m, 12h, 30d or 2w, got "${value}"`);
  }
  return new Date(nowMs + Number(match[1]) * unit).toISOString();
}

/** `--metadata k=v`, given once per entry. */
export function parseMetadata(entries: readonly string[]): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const entry of entries) {
    const equals = entry.indexOf("=");
    if (equals < 1) throw new CliUsageError(`--metadata takes key=value, got "${entry}"`);
    metadata[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return metadata;
}
