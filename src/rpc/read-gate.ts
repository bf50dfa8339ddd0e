/**
 * Backpressure from the consumers of notifications to the socket: a stream whose buffer is full holds
 * the gate, and the reading of frames waits while any stream holds it. A slow `for await` over one
 * subscription so slows the connection (as a slow reader of `incoming` does) instead of buffering
 * without bound.
 */
export class ReadGate {
  private readonly holders = new Set<object>();
  private waiters: (() => void)[] = [];

  /** True while some consumer's buffer is full. */
  get isHeld(): boolean {
    return this.holders.size > 0;
  }

  hold(holder: object): void {
    this.holders.add(holder);
  }

  release(holder: object): void {
    if (!this.holders.delete(holder) || this.holders.size > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves once no consumer holds the gate. */
  opened(): Promise<void> {
    if (this.holders.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
