import { quote, rangeError, typeError } from "../util/describe-value.js";
import { parseDurationText } from "../util/duration.js";

/**
 * @internal Checks shared by the configurations (the engines', the plugins', the server's options):
 * every setter runs one at once, and each engine runs them all again when it is built, for objects
 * changed in place. No node: import: the Platform engine's configuration uses them in browsers too.
 *
 * Durations follow one convention: a setting `x` takes a `Duration` (a number of milliseconds, or text
 * such as "20s"), its twin `xMillis` takes a number only, and both read as milliseconds.
 */

/** @internal Every engine's default `connectTimeout`: TCP, TLS and the upgrade together. */
export const DEFAULT_CONNECT_TIMEOUT_MILLIS = 15_000;

/** The longest delay a timer keeps (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MILLIS = 2_147_483_647;

const millisRange = (low: string): string => `a finite number of milliseconds ${low} and at most ${MAX_TIMER_MILLIS}`;

/** @internal What a duration setting accepts besides more than 0. */
export interface DurationBounds {
  /** 0 is a value of its own (none, no wait), not a mistake. */
  readonly zero?: boolean;
}

/**
 * @internal A `...Millis` setting: a finite number of milliseconds > 0 (>= 0 with `zero`). A string
 * gets a `TypeError` pointing at the setting that takes durations (`twin`), e.g. `cio.connectTimeout = "5s"`.
 */
export function checkMillis(value: unknown, name: string, twin: string, bounds: DurationBounds = {}): number {
  if (typeof value !== "number") {
    const example = typeof value === "string" && isDurationText(value) ? quote(value.trim()) : '"5s"';
    throw typeError(name, `a number of milliseconds (for a duration, set ${twin} = ${example})`, value);
  }
  return checkRange(value, name, value, bounds);
}

/**
 * @internal A duration setting: a number of milliseconds, or text such as "5s", "500ms", "1m"; more
 * than 0 (or 0 with `zero`).
 */
export function checkDuration(value: unknown, name: string, bounds: DurationBounds = {}): number {
  const expected = 'a duration such as "5s", "500ms" or "1m", or a number of milliseconds';
  if (typeof value === "number") return checkRange(value, name, value, bounds);
  if (typeof value !== "string") throw typeError(name, expected, value);
  const millis = parseDurationText(value);
  if (millis === null) throw rangeError(name, expected, value);
  return checkRange(millis, name, value, bounds);
}

function checkRange(millis: number, name: string, given: unknown, { zero = false }: DurationBounds): number {
  if (!Number.isFinite(millis) || millis < 0 || (millis === 0 && !zero) || millis > MAX_TIMER_MILLIS) {
    const low = zero ? ">= 0" : "> 0";
    throw rangeError(name, typeof given === "string" ? `a duration ${low} and at most ${MAX_TIMER_MILLIS} ms` : millisRange(low), given);
  }
  return millis;
}

function isDurationText(text: string): boolean {
  return parseDurationText(text) !== null;
}

/** @internal A size or count: a whole number >= `min` (a safe integer). */
export function checkWhole(value: unknown, name: string, min: number, unit: string): number {
  const expected = `a whole number of ${unit} >= ${min}`;
  if (typeof value !== "number") throw typeError(name, expected, value);
  if (!Number.isSafeInteger(value) || value < min) throw rangeError(name, expected, value);
  return value;
}

/**
 * @internal One check per setting of a configuration, by the setting's name: its setter runs the check
 * on the value given, and the engine runs them all on the values held when it is built.
 */
export type SettingChecks<Config> = { readonly [K in keyof Config]?: (value: Config[K]) => unknown };

/** @internal Runs each check of `checks`, in their order, on the value `config` holds for its setting. */
export function checkSettings<Config extends object>(config: Config, checks: SettingChecks<Config>): void {
  for (const key of Object.keys(checks) as (keyof Config)[]) (checks[key] as (value: unknown) => unknown)(config[key]);
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

/** @internal Text that starts as a URL does, with a scheme and "//" ("ws://...", "http://..."). */
export const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * @internal A URL's text for an error message, with any `user:password@` part masked: credentials are
 * never repeated. A URL reads a backslash as a slash after a WebSocket or HTTP scheme, so both count.
 */
export function maskCredentials(text: string): string {
  return text.replace(/^((?:[a-z][a-z0-9+.-]*:)?[/\\]+)?[^/\\?#]*@/i, (_, scheme: string | undefined) => `${scheme ?? ""}***@`);
}
