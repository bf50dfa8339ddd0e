import { Frame } from "../../protocol/frame.js";
import { checkOutgoingSize } from "../../protocol/outgoing-frame-check.js";
import { checkFrame } from "../../serialization/frame-conversion.js";
import type { SendChannel } from "../../session/channel.js";
import { ClosedSendChannelError } from "../../errors.js";
import { ArrayQueue } from "../../util/array-queue.js";
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
  private readonly entries = new ArrayQueue<QueueEntry>();
  private bytes = 0;
  /** Sends waiting for room, oldest first: "suspend" only ("drop-oldest" always makes room, "fail" rejects). */
  private readonly suspended = new ArrayQueue<SuspendedSend>();
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
    return this.entries.size;
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
    if (this.suspended.isEmpty && this.accept(frame)) return RESOLVED;
    if (this.policy === "fail") return Promise.reject(this.overflowError(frame));
    return new Promise<void>((resolve, reject) => this.suspended.push({ frame, resolve, reject }));
  }

  trySend(frame: Frame): boolean {
    if (this.closed) return false;
    this.validate?.(frame);
    return this.suspended.isEmpty && this.accept(frame);
  }

  /** The oldest queued message, left in place. */
  peek(): QueueEntry | undefined {
    return this.entries.peek();
  }

  /** Takes the oldest queued message; room it leaves goes to suspended senders, in order. */
  shift(): QueueEntry | undefined {
    const entry = this.take();
    if (entry !== undefined) this.admitSuspended();
    return entry;
  }

  /** Puts a message taken by `shift` back in front (its connection could not take it after all). */
  unshift(entry: QueueEntry): void {
    this.entries.unshift(entry);
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
    const error = this.closedError();
    for (const send of this.suspended.takeAll()) send.reject(error);
    const left = this.entries.takeAll();
    this.bytes = 0;
    this.notify();
    return left;
  }

  /** Queues `frame` if the bounds (or the policy) allow; false when it would overflow. */
  private accept(frame: Frame): boolean {
    const entry: QueueEntry = { frame, bytes: frame.byteLength, seq: this.nextSeq };
    if (this.size === 0 && this.direct !== null && this.direct(entry)) {
      this.nextSeq++;
      return true;
    }
    if (!this.fits(entry.bytes)) {
      if (this.policy !== "drop-oldest") return false;
      while (this.size > 0 && !this.fits(entry.bytes)) {
        const dropped = this.take()!;
        this.onDropped?.(dropped);
      }
    }
    this.nextSeq++;
    this.entries.push(entry);
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
    const entry = this.entries.shift();
    if (entry !== undefined) this.bytes -= entry.bytes;
    return entry;
  }

  private admitSuspended(): void {
    for (let next = this.suspended.peek(); next !== undefined; next = this.suspended.peek()) {
      if (!this.accept(next.frame)) return;
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

/**
 * @internal What a reconnecting session accepts at `send`: a frame its next connection can carry whole. A
 * Close would end one connection only, and a fragment cannot be continued on another.
 */
export function checkReplayable(frame: unknown, maxFrameSize: number): asserts frame is Frame {
  checkFrame(frame);
  if (frame instanceof Frame.Close) {
    throw new TypeError("A reconnecting session is closed with close(); a Close frame would end only the current connection");
  }
  if (!frame.fin) {
    throw new TypeError("A reconnecting session sends whole messages only: a fragment cannot be continued on another connection");
  }
  checkOutgoingSize(frame, maxFrameSize);
}
