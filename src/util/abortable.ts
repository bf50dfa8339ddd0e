/**
 * `promise`, or a rejection with `signal.reason` if the signal aborts first (at once if it already
 * has). What `promise` gives after the abort goes to `onLate`, so a resource that arrives too late
 * (a connection, a file handle) can be released rather than leaked; a late rejection is ignored.
 * The abort listener is removed once `promise` settles.
 *
 * @example
 * const session = await abortable(connect(url), signal, (late) => late.terminate());
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal, onLate?: (value: T) => void): Promise<T> {
  if (signal.aborted) {
    promise.then((value) => onLate?.(value), () => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    let aborted = false;
    const onAbort = (): void => {
      aborted = true;
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        if (aborted) onLate?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (!aborted) reject(error);
      },
    );
  });
}
