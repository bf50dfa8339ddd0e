const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/;

/** A duration as milliseconds (a number) or text: "500ms", "20s", "1.5m", "1h". */
export type Duration = number | `${number}${"ms" | "s" | "m" | "h"}`;

/** Milliseconds of a `Duration`; throws a `RangeError` naming `what` for anything else. */
export function toMillis(value: Duration, what: string): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`${what} must be a finite number of milliseconds >= 0, got ${value}`);
    return value;
  }
  const match = typeof value === "string" ? DURATION.exec(value) : null;
  if (match === null) {
    throw new RangeError(`${what} must be milliseconds or a duration like "500ms", "20s", "1m", "1h"; got ${JSON.stringify(value)}`);
  }
  return Math.round(Number(match[1]) * UNITS[match[2]]);
}
