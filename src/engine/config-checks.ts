import { describeValue, quote, rangeError, typeError } from "../util/describe-value.js";
import { toMillis } from "../util/duration.js";

/**
 * @internal Checks shared by the engines' configurations: every setter runs one at once, and each
 * engine runs them all again when it is built, for objects changed in place. No node: import: the
 * Platform engine's configuration uses them in browsers too.
 */

/** The longest delay a timer keeps (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MILLIS = 2_147_483_647;

const MILLIS_RANGE = `a finite number of milliseconds > 0 and at most ${MAX_TIMER_MILLIS}`;

/**
 * @internal A `...Millis` setting: a finite number of milliseconds > 0. A string gets a `TypeError`
 * pointing at the setting that takes durations (`twin`), e.g. `cio.connectTimeout = "5s"`.
 */
export function checkMillis(value: unknown, name: string, twin: string): number {
  if (typeof value !== "number") {
    const example = typeof value === "string" && isDurationText(value) ? quote(value.trim()) : '"5s"';
    throw typeError(name, `a number of milliseconds (for a duration, set ${twin} = ${example})`, value);
  }
  return checkRange(value, name, value);
}

/** @internal A duration setting: a number of milliseconds, or text such as "5s", "500ms", "1m"; more than 0. */
export function checkDuration(value: unknown, name: string): number {
  const expected = 'a duration such as "5s", "500ms" or "1m", or a number of milliseconds';
  if (typeof value === "number") return checkRange(value, name, value);
  if (typeof value !== "string") throw typeError(name, expected, value);
  if (!isDurationText(value)) throw rangeError(name, expected, value);
  return checkRange(toMillis(value as `${number}s`, name), name, value);
}

function checkRange(millis: number, name: string, given: unknown): number {
  if (!Number.isFinite(millis) || millis <= 0 || millis > MAX_TIMER_MILLIS) {
    throw rangeError(name, typeof given === "string" ? `a duration > 0 and at most ${MAX_TIMER_MILLIS} ms` : MILLIS_RANGE, given);
  }
  return millis;
}

function isDurationText(text: string): boolean {
  try {
    toMillis(text as `${number}s`, "");
    return true;
  } catch {
    return false;
  }
}

/** @internal A size or count: a whole number >= `min` (a safe integer). */
export function checkWhole(value: unknown, name: string, min: number, unit: string): number {
  const expected = `a whole number of ${unit} >= ${min}`;
  if (typeof value !== "number") throw typeError(name, expected, value);
  if (!Number.isSafeInteger(value) || value < min) throw rangeError(name, expected, value);
  return value;
}

/** @internal Whether `value` is an object literal or another non-array, non-function object. */
export function isOptionsObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * @internal Refuses a key an options object does not have, naming the one meant where it is plain
 * (the same name in another case, or one of `hints`).
 */
export function checkKeys(value: object, name: string, keys: readonly string[], hints: ReadonlyMap<string, string> = new Map()): void {
  for (const key of Object.keys(value)) {
    if (keys.includes(key)) continue;
    const lower = key.toLowerCase();
    const sameButCase = keys.find((known) => known.toLowerCase() === lower);
    const hint = sameButCase !== undefined ? `did you mean ${sameButCase}?` : hints.get(lower);
    throw new TypeError(`${name} has no option ${quote(key)}${hint === undefined ? "" : `: ${hint}`} (the options are ${keys.join(", ")})`);
  }
}

/** @internal A `WebSocket`-like class setting: a function (a class) or null. */
export function checkClassOrNull<T>(value: T, name: string, expected: string): T {
  if (value !== null && typeof value !== "function") throw typeError(name, `${expected} or null`, value);
  return value;
}

/** @internal A URL's text for an error message, with any `user:password@` part masked. */
export function maskCredentials(text: string): string {
  return text.replace(/^((?:[a-z][a-z0-9+.-]*:)?\/\/)?[^/?#]*@/i, (_, scheme: string | undefined) => `${scheme ?? ""}***@`);
}

/** @internal `describeValue` for anything, through `maskCredentials` when it is a string. */
export function describeMasked(value: unknown): string {
  return describeValue(typeof value === "string" ? maskCredentials(value) : value);
}
