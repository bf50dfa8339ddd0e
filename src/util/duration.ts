import { rangeError, typeError } from "./describe-value.js";

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/;

/** A duration as milliseconds (a number) or text: "500ms", "20s", "1.5m", "1h". */
export type Duration = number | `${number}${"ms" | "s" | "m" | "h"}`;

const EXPECTED = 'milliseconds >= 0 or a duration like "500ms", "20s", "1m", "1h"';

/**
 * Milliseconds of a `Duration`, naming `what` in the error for anything else: a `TypeError` for a
 * value that is neither a number nor a string, a `RangeError` for a number or text that is no duration.
 */
export function toMillis(value: Duration, what: string): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) throw rangeError(what, EXPECTED, value);
    return value;
  }
  if (typeof value !== "string") throw typeError(what, EXPECTED, value);
  const match = DURATION.exec(value);
  if (match === null) throw rangeError(what, EXPECTED, value);
  return Math.round(Number(match[1]) * UNITS[match[2]]);
}
