import { rangeError, typeError } from "./describe-value.js";

/**
 * @internal A bound or count that may be unlimited: a whole number >= 1 (a safe integer) or
 * `Infinity`. Anything but a number gets a `TypeError`, a number out of range a `RangeError`.
 */
export function checkCountOrInfinity(value: unknown, name: string): number {
  const expected = "a whole number >= 1 or Infinity";
  if (typeof value !== "number") throw typeError(name, expected, value);
  if (!(value === Infinity || (Number.isSafeInteger(value) && value >= 1))) throw rangeError(name, expected, value);
  return value;
}

/**
 * @internal One of `choices`. A string that is not one is a `RangeError` (a misspelling), anything
 * else a `TypeError`; both list the choices as `"a", "b" or "c"`.
 */
export function checkChoice<T extends string>(value: unknown, name: string, choices: readonly T[]): T {
  if ((choices as readonly unknown[]).includes(value)) return value as T;
  const quoted = choices.map((choice) => JSON.stringify(choice));
  const expected = quoted.length < 2 ? quoted.join("") : `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
  throw (typeof value === "string" ? rangeError : typeError)(name, expected, value);
}
