/**
 * Waits that end when their event settles or on `wakeAll()`, whichever comes first. Only the event
 * gains a reaction, never the waker, so a long-lived owner that waits many times on events which
 * do settle does not pile reactions up on one promise that never does (a connection's end).
 *
 * @example
 * const wakeups = new Wakeups();
 * await wakeups.waitFor(queue.changed()); // returns early once stop() calls wakeups.wakeAll()
 */
export class Wakeups {
  private readonly waiting = new Set<() => void>();

  /** Resolves when `event` settles (either way) or at the next `wakeAll()`. */
  waitFor(event: Promise<unknown>): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.waiting.delete(done);
        resolve();
      };
      this.waiting.add(done);
      event.then(done, done);
    });
  }

  /** Ends every wait under way. */
  wakeAll(): void {
    for (const done of [...this.waiting]) done();
  }

  /** Waits under way. */
  get size(): number {
    return this.waiting.size;
  }
}
