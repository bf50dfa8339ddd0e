/** How deep `findCause` looks: far enough for any real wrapping, and a cycle of causes still ends. */
const MAX_DEPTH = 8;

/**
 * The first error along `error`'s `cause` chain (`error` itself first) that is an instance of
 * `type`, or null. Wrappers such as `ClosedReceiveChannelError` keep what really happened as their
 * cause; this finds it.
 *
 * @example
 * findCause(new Error("outer", { cause: new RangeError("inner") }), RangeError)?.message; // "inner"
 */
export function findCause<T extends Error>(error: unknown, type: abstract new (...args: never[]) => T): T | null {
  let current = error;
  for (let depth = 0; depth < MAX_DEPTH && current instanceof Error; depth++, current = current.cause) {
    if (current instanceof type) return current;
  }
  return null;
}
