/**
 * `value * 10^places` rounded half up to a whole number, computed on the decimal digits the
 * number prints as (its shortest round-trip form, the text a JSON price list wrote) rather than
 * by multiplying doubles: 7.9e-7 USD per token is exactly 790_000 micro-USD per Mtok, where
 * `7.9e-7 * 1e6` is 0.7899999999999999 USD. Digits below the last kept place are rounded half up.
 */
export function scaleDecimal(value: number, places: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`expected a finite number of zero or more, got ${value}`);
  }
  const [mantissa = "0", exponent = "0"] = String(value).split("e");
  const [whole = "0", fraction = ""] = mantissa.split(".");
  const digits = whole + fraction;
  // Where the decimal point falls in `digits` once scaled.
  const point = whole.length + Number(exponent) + places;
  const kept = point <= 0 ? "0" : digits.slice(0, point).padEnd(point, "0");
  const firstDropped = point < 0 ? "0" : (digits[point] ?? "0");
  const scaled = Number(kept) + (firstDropped >= "5" ? 1 : 0);
  if (!Number.isSafeInteger(scaled)) throw new RangeError(`${value} is too large to scale exactly`);
  return scaled;
}
