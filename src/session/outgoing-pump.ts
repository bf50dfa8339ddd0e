import { Channel, type ChannelConfig, type SendChannel } from "./channel.js";
import { checkOutgoingFrame } from "./frame-limits.js";
import { Frame } from "../protocol/frame.js";
import type { FrameTransport } from "../transport/frame-transport.js";
import { afterPendingWork, hasEndOfTurn, soon } from "../util/scheduling.js";

/** Bytes handed to the transport in one write when many frames are queued. */
const BATCH_BYTES = 256 * 1024;
/**
 * Staged bytes (see `flushNow`) written without waiting for the turn's end: enough for hundreds of
 * small frames per write, small enough that the peer starts on them while we produce the rest.
 */
const STAGE_BYTES = 16 * 1024;

/** Told when a Close frame has been written: the close handshake. */
export interface CloseWrittenListener {
  onCloseWritten(frame: Frame.Close): void;
}

/**
 * @internal A session's `outgoing`: the queue of frames to send and what moves them to the transport.
 *
 * - `send` checks a frame (so its sender gets the error), queues it, and schedules a flush for when the
 *   caller's synchronous work is done: every frame queued meanwhile goes out in one write.
 * - The queue is bounded: a full one makes `send` wait (or fail, with `onOverflow: "close"`). When a
 *   flush lets such a waiting sender go on (a loop that awaits each `send`), what it took is staged
 *   instead of written: the sender queues more in this same turn, and it all goes out in one write at
 *   16 KiB or at the turn's end, whichever comes first. Staging never outlasts the turn.
 * - Write backpressure: when the transport says its buffer is full, nothing more is written until it
 *   drains; the queue fills, and `send` waits.
 * - Control frames the session answers with (pongs, pings) go ahead of queued data (RFC 6455 §5.4),
 *   and are skipped while the transport is full, so a ping flood cannot grow our buffers; the answer
 *   to the latest Ping of such a burst goes out when the transport drains (§5.5.3).
 * - A Close frame goes after everything queued before it, and nothing is written after it (§5.5.1).
 */
export class OutgoingPump implements SendChannel<Frame> {
  /** Told when a Close frame has been written. */
  listener: CloseWrittenListener | null = null;
  /** The queue, made on first use: a session that never sends keeps only its config. */
  private made: Channel<Frame> | null = null;
  private readonly config: ChannelConfig;
  private readonly transport: FrameTransport;
  /** Whether frames may carry RSV bits: only when an extension was negotiated (§5.2). */
  private readonly rsvAllowed: boolean;
  private flushScheduled = false;
  /** The transport's buffer is full: nothing is written until `onDrain`. */
  private blocked = false;
  /** Frames taken from the queue to let a held-back sender go on, written by the turn's end; null when none. */
  private staged: Frame[] | null = null;
  private stagedBytes = 0;
  private endOfTurnScheduled = false;
  private flushWaiters: (() => void)[] | null = null;
  /** The answer to the peer's latest Ping while the transport was full, written ahead of data on drain. */
  private pendingPong: Frame | null = null;
  /** Our Close, to write once everything queued before it is written. */
  private pendingClose: Frame.Close | null = null;
  private closeWritten = false;
  /** The connection is gone: nothing more is written. */
  private stopped = false;

  constructor(transport: FrameTransport, config: ChannelConfig, rsvAllowed: boolean) {
    this.transport = transport;
    this.config = config;
    this.rsvAllowed = rsvAllowed;
  }

  /** The queue of frames to write, made the first time it is needed. */
  private get queue(): Channel<Frame> {
    return (this.made ??= new Channel<Frame>(this.config));
  }

  /** Whether nothing more will be written: a Close went out (§5.5.1), or the connection is gone. */
  get isFinished(): boolean {
    return this.closeWritten || this.stopped;
  }

  // --- SendChannel ---

  get isClosedForSend(): boolean {
    return this.queue.isClosedForSend;
  }

  send(frame: Frame): Promise<void> {
    // A wrong frame is the caller's mistake whatever the queue's state: said first.
    try {
      checkOutgoingFrame(frame, this.transport, this.rsvAllowed);
    } catch (error) {
      return Promise.reject(error);
    }
    const queued = this.queue.send(frame);
    this.scheduleFlush();
    return queued;
  }

  trySend(frame: Frame): boolean {
    checkOutgoingFrame(frame, this.transport, this.rsvAllowed);
    return this.queueNow(frame);
  }

  /**
   * `trySend` for fan-out, where one frame goes to many sessions in one loop: with nothing queued or
   * waiting before it, the frame is written at once instead of on a scheduled flush, since batching
   * gains nothing there and a flush per session would cost a callback each.
   */
  offer(frame: Frame): boolean {
    checkOutgoingFrame(frame, this.transport, this.rsvAllowed);
    if (this.flushScheduled || this.blocked || this.staged !== null || this.stopped || this.closeWritten || this.pendingClose !== null) {
      return this.queueNow(frame);
    }
    const queue = this.made;
    if (queue !== null && (!queue.isEmpty || queue.isClosedForSend)) return this.queueNow(frame);
    if (!this.transport.write([frame])) this.blocked = true;
    return true;
  }

  private queueNow(frame: Frame): boolean {
    if (!this.queue.trySend(frame)) return false;
    this.scheduleFlush();
    return true;
  }

  // --- for the session ---

  /** Resolves when every frame queued so far has been handed to the operating system. */
  async flush(): Promise<void> {
    if (!this.queue.isEmpty || this.blocked || this.flushScheduled || this.staged !== null) {
      await new Promise<void>((resolve) => (this.flushWaiters ??= []).push(resolve));
    }
    await this.transport.flushed();
  }

  /** The transport can take writes again. */
  onDrain(): void {
    this.blocked = false;
    const pong = this.pendingPong;
    if (pong !== null) {
      this.pendingPong = null;
      this.writeControl(pong);
      if (this.blocked) return;
    }
    this.flushNow(false);
  }

  /**
   * Writes a control frame now, ahead of queued data (§5.4 lets control frames interleave). Skipped
   * while the transport is full, and once nothing more may be written.
   */
  writeControl(frame: Frame): void {
    if (this.stopped || this.closeWritten) return;
    if (this.blocked) {
      // §5.5.3: of a burst of Pings, answering the most recent is enough; it goes out on drain.
      if (frame instanceof Frame.Pong) this.pendingPong = frame;
      return;
    }
    if (!this.transport.write([frame])) this.blocked = true;
  }

  /** Queues our Close after everything already queued, and refuses further sends. */
  queueClose(frame: Frame.Close): void {
    if (this.closeWritten || this.pendingClose !== null || this.stopped) return;
    this.pendingClose = frame;
    this.queue.close();
    this.scheduleFlush();
  }

  /**
   * The session failed the connection: drops everything queued or staged (their senders get `error`)
   * and writes `close` now, unless a Close already went out.
   */
  abort(error: Error, close: Frame.Close): void {
    this.queue.cancel(error);
    this.dropStaged();
    this.pendingClose = null;
    if (this.closeWritten || this.stopped) return;
    this.closeWritten = true;
    this.transport.write([close]);
  }

  /** Drops everything queued or staged; senders waiting get `cause` (or a plain closed-channel error). */
  cancel(cause?: Error): void {
    this.queue.cancel(cause);
    this.dropStaged();
  }

  /** The connection is gone: nothing more is written, and `flush()` callers are let go. */
  stop(cause?: Error): void {
    this.stopped = true;
    this.cancel(cause);
    this.settleFlushWaiters();
  }

  // --- moving frames ---

  private scheduleFlush(): void {
    if (this.flushScheduled || this.blocked) return;
    this.flushScheduled = true;
    soon(OutgoingPump.flushScheduledWrites, this);
  }

  // Shared callbacks for the schedulers: no closure per flush.
  private static flushScheduledWrites(pump: OutgoingPump): void {
    pump.flushNow(false);
  }

  private static writeStaged(pump: OutgoingPump): void {
    pump.endOfTurnScheduled = false;
    pump.flushNow(true);
  }

  private dropStaged(): void {
    this.staged = null;
    this.stagedBytes = 0;
  }

  /**
   * Writes what is queued, then a pending Close, in batches of up to 256 KiB; or stages it when taking
   * frames let a held-back sender go on (see the class comment). `endOfTurnWrite`: the turn is over,
   * so whatever is staged goes out now.
   */
  private flushNow(endOfTurnWrite: boolean): void {
    this.flushScheduled = false;
    if (this.stopped || this.blocked) return;
    let batch = this.staged ?? [];
    let bytes = this.stagedBytes;
    this.dropStaged();
    // A sender waits only on a full queue, and taking its frames below lets it go on.
    const senderResumed = this.queue.hasWaitingSenders;
    for (;;) {
      const frame = this.queue.tryReceive();
      if (frame === undefined) break;
      if (this.closeWritten) continue; // nothing may follow a Close frame (§5.5.1)
      batch.push(frame);
      bytes += frame.byteLength;
      if (frame instanceof Frame.Close) this.closeWritten = true;
      if (bytes >= BATCH_BYTES) {
        if (!this.writeBatch(batch)) return;
        batch = [];
        bytes = 0;
      }
    }
    if (senderResumed && !endOfTurnWrite && bytes < STAGE_BYTES && !this.closeWritten && this.pendingClose === null && hasEndOfTurn) {
      this.staged = batch;
      this.stagedBytes = bytes;
      if (!this.endOfTurnScheduled) {
        this.endOfTurnScheduled = true;
        afterPendingWork(OutgoingPump.writeStaged, this);
      }
      return;
    }
    const close = this.pendingClose;
    if (close !== null && !this.closeWritten) {
      this.pendingClose = null;
      this.closeWritten = true;
      batch.push(close);
    }
    if (batch.length > 0 && !this.writeBatch(batch)) return;
    this.settleFlushWaiters();
  }

  /** Hands a batch to the transport; a Close frame ends it. False when the transport is full. */
  private writeBatch(batch: Frame[]): boolean {
    const accepted = this.transport.write(batch);
    if (!accepted) this.blocked = true;
    const last = batch[batch.length - 1];
    if (last instanceof Frame.Close) {
      this.queue.close();
      this.listener?.onCloseWritten(last);
    }
    return accepted;
  }

  private settleFlushWaiters(): void {
    const waiters = this.flushWaiters;
    if (waiters === null) return;
    this.flushWaiters = null;
    for (const resolve of waiters) resolve();
  }
}
