import type { Frame } from "../../protocol/frame.js";
import type { SendChannel } from "../../session/channel.js";
import { ClosedSendChannelError } from "../../errors.js";
import { QueueOverflowError } from "./errors.js";
import type { QueueLimits, QueueOverflowPolicy } from "./reconnect-config.js";

/** @internal A message in the replay queue, numbered in the order it was accepted. */
export interface QueueEntry {
  readonly frame: Frame;
  readonly bytes: number;
  readonly seq: number;
}

interface SuspendedSend {
  readonly frame: Frame;
  resolve(): void;
  reject(error: unknown): void;
}

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * @internal The one `outgoing` of a reconnecting session: a FIFO of messages bounded in messages and
 * bytes, with an overflow policy. While a connection can take a message at once (`direct`), it goes
 * straight to it; otherwise it waits here for the forwarder (or for the next connection).
 */
export class ReplayQueue implements SendChannel<Frame> {
  private items: QueueEntry[] = [];
  private head = 0;
  private bytes = 0;
  private suspended: SuspendedSend[] = [];
  private closed = false;
  private closeCause: Error | undefined;
  private nextSeq = 0;
  private changeWaiters: (() => void)[] = [];
  /** Checks a message before it is accepted; throws to refuse it. */
  validate: ((frame: Frame) => void) | null = null;
  /** Hands a message to the open connection if it can take it now, with nothing queued before it. */
  direct: ((entry: QueueEntry) => boolean) | null = null;
  /** Told about each message that "drop-oldest" evicted. */
  onDropped: ((entry: QueueEntry) => void) | null = null;

  constructor(
    readonly limits: QueueLimits,
    readonly policy: QueueOverflowPolicy,
  ) {}

  /** Messages queued. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Payload bytes queued. */
  get byteSize(): number {
    return this.bytes;
  }

  get isClosedForSend(): boolean {
    return this.closed;
  }

  /** The sequence number the next accepted message will get. */
  get seqHorizon(): number {
    return this.nextSeq;
  }

  send(frame: Frame): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    try {
      this.validate?.(frame);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.suspended.length === 0 && this.accept(frame, false)) return RESOLVED;
    if (this.policy === "fail") return Promise.reject(this.overflowError(frame));
    return new Promise<void>((resolve, reject) => this.suspended.push({ frame, resolve, reject }));
  }

  trySend(frame: Frame): boolean {
    if (this.closed) return false;
    this.validate?.(frame);
    return this.suspended.length === 0 && this.accept(frame, false);
  }

  /** The oldest queued message, left in place. */
  peek(): QueueEntry | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** Takes the oldest queued message; room it leaves goes to suspended senders, in order. */
  shift(): QueueEntry | undefined {
    const entry = this.take();
    if (entry !== undefined) this.admitSuspended();
    return entry;
  }

  /** Puts a message taken by `shift` back in front (its connection could not take it after all). */
  unshift(entry: QueueEntry): void {
    if (this.head > 0) this.items[--this.head] = entry;
    else this.items.unshift(entry);
    this.bytes += entry.bytes;
    this.notify();
  }

  /** Resolves when a message is queued or the queue closes (at once if either is already so). */
  changed(): Promise<void> {
    if (this.size > 0 || this.closed) return RESOLVED;
    return new Promise((resolve) => this.changeWaiters.push(resolve));
  }

  /** No more sends; queued and suspended messages can still be taken. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.notify();
  }

  /**
   * Closes and empties the queue: suspended sends reject with `ClosedSendChannelError` (with `cause`),
   * and the messages that were accepted but never taken are returned.
   */
  cancel(cause?: Error): QueueEntry[] {
    if (!this.closed) {
      this.closed = true;
      this.closeCause = cause;
    }
    const suspended = this.suspended;
    this.suspended = [];
    const error = this.closedError();
    for (const send of suspended) send.reject(error);
    const left = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    this.notify();
    return left;
  }

  /** Queues `frame` if the bounds (or the policy) allow; false when it would overflow. */
  private accept(frame: Frame, admitting: boolean): boolean {
    const entry: QueueEntry = { frame, bytes: frame.byteLength, seq: this.nextSeq };
    if (this.size === 0 && this.direct !== null && this.direct(entry)) {
      this.nextSeq++;
      return true;
    }
    if (!this.fits(entry.bytes)) {
      if (this.policy !== "drop-oldest" || admitting) return false;
      while (this.size > 0 && !this.fits(entry.bytes)) {
        const dropped = this.take()!;
        this.onDropped?.(dropped);
      }
    }
    this.nextSeq++;
    this.items.push(entry);
    this.bytes += entry.bytes;
    this.notify();
    return true;
  }

  /** One more message fits; a message larger than the byte bound still fits an empty queue. */
  private fits(bytes: number): boolean {
    if (this.size === 0) return true;
    return this.size + 1 <= this.limits.messages && this.bytes + bytes <= this.limits.bytes;
  }

  private take(): QueueEntry | undefined {
    if (this.head === this.items.length) return undefined;
    const entry = this.items[this.head];
    this.items[this.head++] = undefined as unknown as QueueEntry;
    this.bytes -= entry.bytes;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return entry;
  }

  private admitSuspended(): void {
    while (this.suspended.length > 0) {
      const next = this.suspended[0];
      if (!this.accept(next.frame, true)) return;
      this.suspended.shift();
      next.resolve();
    }
  }

  private notify(): void {
    const waiters = this.changeWaiters;
    if (waiters.length === 0) return;
    this.changeWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private overflowError(frame: Frame): QueueOverflowError {
    const byMessages = this.size + 1 > this.limits.messages;
    return byMessages
      ? new QueueOverflowError(`The replay queue is full (${this.limits.messages} messages)`, "messages", this.limits.messages)
      : new QueueOverflowError(
          `The replay queue is full (${this.bytes} of ${this.limits.bytes} bytes; this message has ${frame.byteLength})`,
          "bytes",
          this.limits.bytes,
        );
  }

  private closedError(): ClosedSendChannelError {
    const cause = this.closeCause;
    return new ClosedSendChannelError(cause ? `Channel closed: ${cause.message}` : "Channel closed", cause ? { cause } : undefined);
  }
}
