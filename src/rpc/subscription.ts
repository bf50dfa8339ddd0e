import type { Frame } from "../protocol/frame.js";
import type { StandardSchemaV1 } from "../serialization/standard-schema.js";
import { validateWithSchema } from "../serialization/schema-validation.js";
import type { RpcId, RpcParams } from "./message-codec.js";
import { MessageStream } from "./message-stream.js";
import type { ReadGate } from "./read-gate.js";

/** What a subscription asks of the client that made it. */
export interface SubscriptionHost {
  /** Calls the unsubscribe method for `subscription` (if it is live) and forgets it. */
  unsubscribe(subscription: RpcSubscription<unknown>): Promise<void>;
}

/** What one subscription is made of, kept to make it again on a new connection. */
export interface SubscriptionSpec {
  readonly method: string;
  readonly params: RpcParams | undefined;
  readonly unsubscribe: string;
  readonly notification: string;
  readonly sessionId: string | undefined;
  readonly timeoutMillis: number | null;
}

interface Item {
  readonly value: unknown;
  readonly frame: Frame;
}

/**
 * A live subscription (`rpc.subscribe`): the items of its notifications, for `for await`, across
 * reconnects. `break` (or `unsubscribe()`) ends it on the peer too. Over a reconnecting session it is
 * made again on every new connection, so `id` changes while the iteration goes on without a gap in
 * the API; if making it again fails, the iteration throws that error.
 */
export class RpcSubscription<T = unknown> implements AsyncIterableIterator<T>, AsyncDisposable {
  /** @internal */
  readonly spec: SubscriptionSpec;
  /** @internal The connection its id belongs to (see `RpcLink.sendEpoch`). */
  epoch = 0;
  private currentId: RpcId;
  private readonly stream: MessageStream<Item>;
  private readonly host: SubscriptionHost;
  private readonly schema: StandardSchemaV1 | null;

  /** @internal Made by `JsonRpcClient.subscribe`. */
  constructor(spec: SubscriptionSpec, id: RpcId, host: SubscriptionHost, schema: StandardSchemaV1 | null, bufferSize: number, gate: ReadGate) {
    this.spec = spec;
    this.currentId = id;
    this.host = host;
    this.schema = schema;
    this.stream = new MessageStream<Item>(bufferSize, gate, () => void host.unsubscribe(this as RpcSubscription<unknown>).catch(() => {}));
  }

  /** The peer's id for this subscription on the current connection; a new one after each reconnect. */
  get id(): RpcId {
    return this.currentId;
  }

  /** True once it has ended (unsubscribed, `break`, the client closed, or it failed). */
  get isEnded(): boolean {
    return this.stream.isEnded;
  }

  /** @internal The id the peer gave it on a new connection. */
  renew(id: RpcId): void {
    this.currentId = id;
  }

  /** @internal An item from a notification. */
  push(value: unknown, frame: Frame): void {
    this.stream.push({ value, frame });
  }

  /** @internal No more items: after what is buffered, the iteration throws `error` (or ends). */
  end(error: Error | null): void {
    this.stream.end(error);
  }

  /** The next item: waits for its notification; ends after `unsubscribe()`, throws after a failure. */
  async next(): Promise<IteratorResult<T>> {
    const result = await this.stream.next();
    if (result.done === true) return { value: undefined, done: true };
    const { value, frame } = result.value;
    if (this.schema === null) return { value: value as T, done: false };
    try {
      const checked = await validateWithSchema(this.schema, value, frame);
      return { value: checked.value as T, done: false };
    } catch (error) {
      // The stream's items no longer hold what the type promises: it ends here.
      void this.stream.return();
      throw error;
    }
  }

  /** `break` out of `for await`: unsubscribes. */
  async return(): Promise<IteratorResult<T>> {
    await this.stream.return();
    return { value: undefined, done: true };
  }

  /** Ends the subscription: calls the unsubscribe method (when connected) and ends the iteration. */
  async unsubscribe(): Promise<void> {
    if (this.stream.isEnded) return;
    this.stream.end(null);
    await this.host.unsubscribe(this as RpcSubscription<unknown>);
  }

  /** The subscription is its own iterator: `for await (const item of subscription)`. */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  /** `await using heads = await rpc.subscribe(...)`: unsubscribes when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.unsubscribe().catch(() => {});
  }
}
