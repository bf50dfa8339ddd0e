import { quote } from "./quote.js";

export { quote };

/** Longest description of an object's keys. */
const MAX_DESCRIPTION = 100;

/**
 * A value as an error message quotes it, with its kind, so a user sees what was passed and what it
 * was taken for: `"8080" (a string)`, `42 (a number)`, `null`, `an ArrayBuffer of 4 bytes`,
 * `an object with keys a, b`. Never throws, whatever the value (a revoked Proxy, a throwing getter).
 */
export function describeValue(value: unknown): string {
  try {
    return describe(value);
  } catch {
    return `a value of type ${typeof value}`;
  }
}

/** `TypeError: <name> must be <expected>; got <value>`: the argument, what it takes, and what it got. */
export function typeError(name: string, expected: string, value: unknown): TypeError {
  return new TypeError(`${name} must be ${expected}; got ${describeValue(value)}`);
}

/** `RangeError: <name> must be <expected>; got <value>`, for a value of the right type out of range. */
export function rangeError(name: string, expected: string, value: unknown): RangeError {
  return new RangeError(`${name} must be ${expected}; got ${describeValue(value)}`);
}

function describe(value: unknown): string {
  switch (typeof value) {
    case "string":
      return `${quote(value)} (a string)`;
    case "number":
      return `${String(value)} (a number)`;
    case "bigint":
      return `${String(value)}n (a bigint)`;
    case "boolean":
      return `${String(value)} (a boolean)`;
    case "undefined":
      return "undefined";
    case "symbol":
      return `${value.toString()} (a symbol)`;
    case "function":
      return value.name ? `a function ${value.name}` : "a function";
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof ArrayBuffer) return `an ArrayBuffer of ${plural(value.byteLength, "byte")}`;
  if (ArrayBuffer.isView(value)) return `${article(value.constructor.name)} of ${plural(value.byteLength, "byte")}`;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Object.prototype || prototype === null) {
    const keys = Object.keys(value as object);
    if (keys.length === 0) return "an empty object";
    // Keys come from the caller: plain names as they are, anything else quoted (no raw control characters).
    const shown = keys
      .slice(0, 4)
      .map((key) => (/^[\w$]{1,30}$/.test(key) ? key : quote(key, 30)))
      .join(", ");
    const text = `an object with keys ${shown}${keys.length > 4 ? ", …" : ""}`;
    return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION)}…` : text;
  }
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" ? article(name) : "an object";
}

function article(name: string): string {
  return `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}`;
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}
