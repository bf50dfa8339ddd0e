/** A timer that does not keep Node's event loop alive (a session's timers never should). */
export function backgroundTimer(callback: () => void, millis: number): ReturnType<typeof setTimeout> {
  const timer = setTimeout(callback, millis);
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
