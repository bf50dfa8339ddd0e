import { ChannelOverflowError, ClosedReceiveChannelError, ClosedSendChannelError } from "../errors.js";
import { ArrayQueue } from "../util/array-queue.js";

/** What a full channel does with one more element: wait for room, or close with `ChannelOverflowError`. */
export type OverflowPolicy = "suspend" | "close";

/** A channel's bound, as Ktor 3's `ChannelConfig`. */
export interface ChannelConfig {
  /** Elements buffered before `onOverflow` applies; a positive integer or `Infinity`. */
  capacity: number;
  /**
   * What happens when it is full: `"suspend"` waits (a full `incoming` stops reading from the peer, a
   * full `outgoing` makes `send` wait); `"close"` fails with `ChannelOverflowError` (a full `incoming`
   * closes the session with 1008).
   */
  onOverflow: OverflowPolicy;
}

/** The receiving side of a channel: `receive()`, `tryReceive()` and `for await`. */
export interface ReceiveChannel<T> extends AsyncIterable<T> {
  /** The next element; waits while the channel is empty. Throws `ClosedReceiveChannelError` once closed and drained. */
  receive(): Promise<T>;
  /** The next element if one is buffered, else `undefined`; never waits. */
  tryReceive(): T | undefined;
  /** True once the channel is closed and every buffered element has been received. */
  readonly isClosedForReceive: boolean;
  /** True when nothing is buffered. */
  readonly isEmpty: boolean;
}

/** The sending side of a channel: `send()` waits while the channel is full. */
export interface SendChannel<T> {
  /** Buffers `value`, waiting for room when full. Throws `ClosedSendChannelError` once the channel is closed. */
  send(value: T): Promise<void>;
  /** Buffers `value` if there is room right now; false when full or closed. */
  trySend(value: T): boolean;
  /** True once no more elements may be sent. */
  readonly isClosedForSend: boolean;
}

/**
 * @internal Told when an element is taken out of a channel, so its owner can let more in (a session
 * reads from the connection again). Each call gets the channel's `owner`, so one observer object serves
 * every channel of its kind (no closures per channel).
 */
export interface ChannelObserver<T> {
  onTaken(owner: unknown, value: T): void;
}

/** A waiting `receive()` (`iterator` false) or async iterator `next()` (true, given `IteratorResult`s). */
interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  iterator: boolean;
}

interface PendingSend<T> {
  value: T;
  resolve(): void;
  reject(error: unknown): void;
}

const RESOLVED: Promise<void> = Promise.resolve();
/** The buffer of every channel that has buffered nothing yet; never written to. */

/**
 * A bounded FIFO channel between a producer and a consumer. A waiting receiver is handed an element
 * directly; buffered elements are returned at once, with no timer or extra queue hop.
 */
export class Channel<T> implements ReceiveChannel<T>, SendChannel<T> {
  /** Buffered elements; made on the first one that waits (an idle channel holds no queue). */
  private items: ArrayQueue<T> | null = null;
  /** Waiting receivers, oldest first: one waiter alone (the usual case), an array of several, or null. */
  private receivers: Waiter | Waiter[] | null = null;
  private senders: PendingSend<T>[] | null = null;
  private closed = false;
  private closeCause: Error | undefined;
  readonly capacity: number;
  readonly onOverflow: OverflowPolicy;
  /** @internal */
  observer: ChannelObserver<T> | null = null;
  /** @internal What `observer` is called with. */
  owner: unknown = null;

  constructor(config: ChannelConfig = { capacity: Infinity, onOverflow: "suspend" }) {
    this.capacity = config.capacity;
    this.onOverflow = config.onOverflow;
  }

  /** @internal Whether a `send` is waiting for room (its sender goes on when an element is taken). */
  get hasWaitingSenders(): boolean {
    return this.senders !== null && this.senders.length > 0;
  }

  /** Buffered elements. */
  get size(): number {
    return this.items === null ? 0 : this.items.size;
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  get isFull(): boolean {
    return this.size >= this.capacity;
  }

  get isClosedForSend(): boolean {
    return this.closed;
  }

  get isClosedForReceive(): boolean {
    return this.closed && this.size === 0 && (this.senders === null || this.senders.length === 0);
  }

  send(value: T): Promise<void> {
    if (this.closed) return Promise.reject(this.sendError());
    if (this.offer(value)) return RESOLVED;
    if (this.onOverflow === "close") {
      const error = new ChannelOverflowError(`Channel is full (capacity ${this.capacity})`);
      this.close(error);
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      (this.senders ??= []).push({ value, resolve, reject });
    });
  }

  trySend(value: T): boolean {
    if (this.closed) return false;
    return this.offer(value);
  }

  /** @internal Puts an element in regardless of capacity (the producer has its own brake). */
  push(value: T): void {
    if (this.closed) return;
    if (!this.handOff(value)) {
      (this.items ??= new ArrayQueue<T>()).push(value);
    }
  }

  receive(): Promise<T> {
    const value = this.tryReceive();
    if (value !== undefined) return Promise.resolve(value);
    if (this.closed) return Promise.reject(this.receiveError());
    return new Promise<T>((resolve, reject) => this.addReceiver({ resolve: resolve as (value: unknown) => void, reject, iterator: false }));
  }

  tryReceive(): T | undefined {
    const value = this.items?.shift();
    if (value === undefined) return undefined;
    this.admitSender();
    this.observer?.onTaken(this.owner, value);
    return value;
  }

  /**
   * No more sends. Buffered elements (and sends already waiting) can still be received; after them
   * receivers get `ClosedReceiveChannelError`, with `cause` when the close was abnormal.
   */
  close(cause?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closeCause = cause;
    if (this.size === 0 && (this.senders === null || this.senders.length === 0)) this.failReceivers();
  }

  /** Closes and drops everything buffered or waiting to be sent. */
  cancel(cause?: Error): void {
    this.close(cause);
    this.items?.clear();
    const senders = this.senders;
    this.senders = null;
    if (senders) for (const s of senders) s.reject(this.sendError());
    this.failReceivers();
  }

  /** Why the channel closed, when it was abnormal. */
  get cause(): Error | undefined {
    return this.closeCause;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return new ChannelIterator(this);
  }

  /** @internal The async iterator's `next()`. */
  nextResult(): Promise<IteratorResult<T>> {
    const value = this.tryReceive();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.closed) {
      return this.closeCause ? Promise.reject(this.receiveError()) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise<IteratorResult<T>>((resolve, reject) =>
      this.addReceiver({ resolve: resolve as (value: unknown) => void, reject, iterator: true }),
    );
  }

  private offer(value: T): boolean {
    if (this.handOff(value)) return true;
    if (this.size >= this.capacity) return false;
    (this.items ??= new ArrayQueue<T>()).push(value);
    return true;
  }

  private addReceiver(waiter: Waiter): void {
    const receivers = this.receivers;
    if (receivers === null) this.receivers = waiter;
    else if (Array.isArray(receivers)) receivers.push(waiter);
    else this.receivers = [receivers, waiter];
  }

  /** Gives the element straight to a waiting receiver. */
  private handOff(value: T): boolean {
    const receivers = this.receivers;
    if (receivers === null) return false;
    let waiter: Waiter;
    if (Array.isArray(receivers)) {
      waiter = receivers.shift()!;
      if (receivers.length === 0) this.receivers = null;
    } else {
      waiter = receivers;
      this.receivers = null;
    }
    waiter.resolve(waiter.iterator ? { value, done: false } : value);
    this.observer?.onTaken(this.owner, value);
    return true;
  }

  private admitSender(): void {
    const senders = this.senders;
    if (senders === null || senders.length === 0 || this.size >= this.capacity) return;
    const sender = senders.shift()!;
    (this.items ??= new ArrayQueue<T>()).push(sender.value);
    sender.resolve();
    if (this.closed && senders.length === 0 && this.size === 0) this.failReceivers();
  }

  private failReceivers(): void {
    if (this.size > 0) return;
    const receivers = this.receivers;
    if (receivers === null) return;
    this.receivers = null;
    if (Array.isArray(receivers)) for (const waiter of receivers) this.failReceiver(waiter);
    else this.failReceiver(receivers);
  }

  /** A waiting `receive()` rejects; a waiting iterator ends, or rejects when the close was abnormal. */
  private failReceiver(waiter: Waiter): void {
    if (waiter.iterator && !this.closeCause) waiter.resolve({ value: undefined, done: true });
    else waiter.reject(this.receiveError());
  }

  private receiveError(): ClosedReceiveChannelError {
    const cause = this.closeCause;
    return new ClosedReceiveChannelError(
      cause ? `Channel closed: ${cause.message}` : "Channel closed",
      cause ? { cause } : undefined,
    );
  }

  private sendError(): ClosedSendChannelError {
    const cause = this.closeCause;
    return new ClosedSendChannelError(
      cause ? `Channel closed: ${cause.message}` : "Channel closed",
      cause ? { cause } : undefined,
    );
  }
}

/** The async iterator of a channel: one small object, its `next` shared on the prototype. */
class ChannelIterator<T> implements AsyncIterator<T> {
  private readonly channel: Channel<T>;

  constructor(channel: Channel<T>) {
    this.channel = channel;
  }

  next(): Promise<IteratorResult<T>> {
    return this.channel.nextResult();
  }
}
