/**
 * Whether `promise` fulfils within `millis`: false when it rejects, or is still pending then. The
 * timer is cleared either way, so nothing is left to keep the process alive. No `node:` imports.
 */
export async function fulfilsWithin(promise: Promise<unknown>, millis: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => (timer = setTimeout(resolve, millis, false))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
