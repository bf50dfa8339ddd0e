/** @internal The global object where it tells of the network coming back (browsers, Deno). */
export interface OnlineEventSource {
  addEventListener(type: "online", listener: () => void): void;
  removeEventListener(type: "online", listener: () => void): void;
  readonly navigator?: { readonly onLine?: boolean };
}

/**
 * @internal The wait of a reconnecting session between attempts. It lasts its delay unless
 * `wake()` ends it (the session is closing), and an `online` event (browsers, Deno) shortens it to
 * the first retry's delay (`soonest()`, random), never below `floorMillis` (what `Retry-After`
 * asked). The timer is not unref'd: a session waiting to reconnect keeps the process alive, as its
 * socket did.
 */
export class RetryWait {
  private done: (() => void) | null = null;

  /**
   * @param soonest the wait after the network comes back: the first retry's delay.
   * @param online where `online` events come from, null for nowhere; by default the global object
   *   where it has them (looked up at each wait), none on Node.
   */
  constructor(
    private readonly soonest: () => number,
    private readonly online?: OnlineEventSource | null,
  ) {}

  /** Resolves after `delayMillis`, sooner after an `online` event (not before `floorMillis`) or on `wake()`. */
  wait(delayMillis: number, floorMillis: number): Promise<void> {
    return new Promise((resolve) => {
      const started = Date.now();
      const online = this.online === undefined ? onlineEvents() : this.online;
      let timer: ReturnType<typeof setTimeout> | null = null;
      const done = (): void => {
        if (timer !== null) clearTimeout(timer);
        timer = null;
        online?.removeEventListener("online", onOnline);
        if (this.done === done) this.done = null;
        resolve();
      };
      const onOnline = (): void => {
        if (online?.navigator?.onLine === false) return;
        const elapsed = Date.now() - started;
        const soon = Math.max(floorMillis - elapsed, this.soonest());
        if (soon < delayMillis - elapsed) {
          if (timer !== null) clearTimeout(timer);
          timer = setTimeout(done, soon);
        }
      };
      timer = setTimeout(done, delayMillis);
      online?.addEventListener("online", onOnline);
      this.done = done;
    });
  }

  /** Ends the wait under way, if any. */
  wake(): void {
    this.done?.();
  }
}

/** The global object where it tells of the network coming back (browsers, Deno); null on Node. */
export function onlineEvents(): OnlineEventSource | null {
  const global = globalThis as Partial<OnlineEventSource>;
  if (typeof global.addEventListener !== "function" || typeof global.removeEventListener !== "function") return null;
  if (typeof global.navigator !== "object" || global.navigator === null) return null;
  return global as OnlineEventSource;
}
