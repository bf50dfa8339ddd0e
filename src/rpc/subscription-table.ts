import type { RpcId } from "./message-codec.js";
import type { RpcSubscription } from "./subscription.js";

/**
 * The live subscriptions, and by id those made on the current connection. Ids belong to a
 * connection: they are forgotten when it ends, and each subscription gets a new one when it is made
 * again.
 */
export class SubscriptionTable {
  private readonly byId = new Map<RpcId, RpcSubscription<unknown>>();
  private readonly live = new Set<RpcSubscription<unknown>>();

  get size(): number {
    return this.live.size;
  }

  /** `subscription` now has `id` on the current connection. */
  attach(subscription: RpcSubscription<unknown>, id: RpcId): void {
    subscription.renew(id);
    this.live.add(subscription);
    this.byId.set(id, subscription);
  }

  /** Forgets `subscription` (unsubscribed, ended or failed); true when it was live. */
  remove(subscription: RpcSubscription<unknown>): boolean {
    if (this.byId.get(subscription.id) === subscription) this.byId.delete(subscription.id);
    return this.live.delete(subscription);
  }

  /** Whether `subscription` has an id on the current connection. */
  isAttached(subscription: RpcSubscription<unknown>): boolean {
    return this.byId.get(subscription.id) === subscription;
  }

  /** The subscription a notification of `method` with these params is for, if any. */
  find(method: string, params: unknown): RpcSubscription<unknown> | undefined {
    if (typeof params !== "object" || params === null) return undefined;
    const id = (params as { subscription?: unknown }).subscription;
    if (typeof id !== "string" && typeof id !== "number") return undefined;
    const subscription = this.byId.get(id);
    return subscription?.spec.notification === method ? subscription : undefined;
  }

  /** The connection ended: every id it gave is gone. */
  forgetIds(): void {
    this.byId.clear();
  }

  /** The live subscriptions, oldest first. */
  all(): RpcSubscription<unknown>[] {
    return [...this.live];
  }

  /** Ends every subscription with `error` (or cleanly) and forgets them all. */
  endAll(error: Error | null): void {
    for (const subscription of this.live) subscription.end(error);
    this.live.clear();
    this.byId.clear();
  }
}
