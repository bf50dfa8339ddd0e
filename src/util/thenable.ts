/**
 * Whether `value` is a promise or another thenable, from this realm or another (`instanceof Promise`
 * misses those). A `then` getter that throws makes it not one: asking must never throw.
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
  try {
    return typeof (value as { then?: unknown }).then === "function";
  } catch {
    return false;
  }
}
