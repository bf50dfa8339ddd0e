const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/;

/** A duration as milliseconds (a number) or text: "500ms", "20s", "1.5m", "1h". */
export type Duration = number | `${number}${"ms" | "s" | "m" | "h"}`;

/**
 * The milliseconds of a duration's text ("500ms", "20s", "1.5m", "1h"), rounded; null for anything
 * else (a bare number, a negative one, another unit). Callers say in their own words what was wrong.
 */
export function parseDurationText(text: string): number | null {
  const match = DURATION.exec(text);
  return match === null ? null : Math.round(Number(match[1]) * UNITS[match[2]]);
}
