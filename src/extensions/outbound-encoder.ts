import { Frame } from "../protocol/frame.js";
import type { FrameTransport } from "../transport/frame-transport.js";
import type { ExtensionCodec } from "./extension.js";
import { ArrayQueue } from "../util/array-queue.js";

/**
 * Uncompressed bytes that may wait for their turn to be encoded before `write` asks the session to
 * wait (returns false). The session hands over up to 256 KiB per write; this lets a few such batches
 * queue up, so the session's own flow (and its pongs) is not held up by each compression.
 */
const ENCODE_BUDGET_BYTES = 1024 * 1024;

/** What the encoder needs from the transport it works in. */
export interface EncoderHost {
  /** The session may write again after `write` returned false. */
  drained(): void;
  /** A codec could not encode a frame: our failure, not the peer's (the session closes with 1011). */
  encodeFailed(error: Error): void;
}

/**
 * @internal The sending half of the extension transport: runs the negotiated extensions' `encode`,
 * first to last, on each frame the session writes, and writes the results to the connection in order,
 * even when a codec works asynchronously. Runs of frames that need no waiting go out in one write;
 * frames are taken up to a budget, past which `write` tells the session to wait for a drain, as a full
 * socket does. Ending the connection waits for the frames already taken.
 */
export class OutboundEncoder {
  private readonly codecs: readonly ExtensionCodec[];
  private readonly inner: FrameTransport;
  private readonly host: EncoderHost;
  private readonly toSend = new ArrayQueue<Frame>();
  private pendingBytes = 0;
  private encoding = false;
  private innerBlocked = false;
  private drainWanted = false;
  /** The connection is gone or cut: nothing more is encoded or written. */
  private stopped = false;
  /** The grace of an `end` that waits for the frames before it. */
  private endGrace: number | null = null;
  private idleWaiters: (() => void)[] | null = null;

  constructor(codecs: readonly ExtensionCodec[], inner: FrameTransport, host: EncoderHost) {
    this.codecs = codecs;
    this.inner = inner;
    this.host = host;
  }

  /** Takes frames to encode and write; false when the session should wait for `drained`. */
  write(frames: readonly Frame[]): boolean {
    if (this.stopped) return true;
    if (this.isIdle) {
      this.encodeAtOnce(frames);
    } else {
      this.enqueue(frames, 0);
      this.encodeQueued();
    }
    this.drainIfWanted();
    const accepted = !this.innerBlocked && this.pendingBytes <= ENCODE_BUDGET_BYTES;
    if (!accepted) this.drainWanted = true;
    return accepted;
  }

  /** The connection beneath can take writes again. */
  onDrain(): void {
    this.innerBlocked = false;
    this.pump();
  }

  /** Whether every frame taken so far has been encoded and written to the connection. */
  get isIdle(): boolean {
    return !this.encoding && this.toSend.size === 0;
  }

  /** Resolves once {@link isIdle}. */
  idle(): Promise<void> {
    if (this.isIdle) return Promise.resolve();
    return new Promise<void>((resolve) => (this.idleWaiters ??= []).push(resolve));
  }

  /** Ends the connection once the frames taken so far are written. */
  end(graceMillis: number): void {
    if (this.isIdle) this.inner.end(graceMillis);
    else this.endGrace = graceMillis;
  }

  /** The connection is gone or cut: what waits is dropped, nothing more is taken, and a waiting `end` is moot. */
  stop(): void {
    this.stopped = true;
    this.dropQueued();
    this.endGrace = null;
    this.settleIdleWaiters();
  }

  /** Encodes and writes what is queued, then tells a waiting session when it may write again. */
  private pump(): void {
    this.encodeQueued();
    this.drainIfWanted();
  }

  private drainIfWanted(): void {
    if (!this.drainWanted || this.innerBlocked || this.pendingBytes > ENCODE_BUDGET_BYTES) return;
    this.drainWanted = false;
    // Asynchronously: the session's drain handler writes again, which would re-enter this pump.
    queueMicrotask(() => {
      if (!this.stopped) this.host.drained();
    });
  }

  /**
   * With nothing queued or encoding: encodes straight from the session's `frames`, and queues only
   * those from the first that needs waiting on. Same order and writes as queueing them all first.
   */
  private encodeAtOnce(frames: readonly Frame[]): void {
    const batch: Frame[] = [];
    for (let i = 0; i < frames.length; i++) {
      let result: Frame | Promise<Frame>;
      try {
        result = this.encode(frames[i]);
      } catch (error) {
        this.fail(error as Error);
        return;
      }
      if (!(result instanceof Frame)) {
        // Queued and marked before writing, so a write that calls back in finds them waiting.
        this.enqueue(frames, i);
        this.encoding = true;
        result.then(this.onEncoded, this.onEncodeFailed);
        if (batch.length > 0) this.writeInner(batch);
        return;
      }
      batch.push(result);
    }
    if (batch.length > 0) this.writeInner(batch);
    this.onQueueEmpty();
  }

  private enqueue(frames: readonly Frame[], from: number): void {
    for (let i = from; i < frames.length; i++) {
      const frame = frames[i];
      this.toSend.push(frame);
      this.pendingBytes += frame.byteLength;
    }
  }

  /** Encodes and writes queued frames in order: runs of frames that need no waiting go in one write. */
  private encodeQueued(): void {
    if (this.encoding || this.stopped) return;
    const batch: Frame[] = [];
    for (let frame = this.toSend.peek(); frame !== undefined; frame = this.toSend.peek()) {
      let result: Frame | Promise<Frame>;
      try {
        result = this.encode(frame);
      } catch (error) {
        this.fail(error as Error);
        return;
      }
      if (!(result instanceof Frame)) {
        if (batch.length > 0) this.writeInner(batch);
        this.encoding = true;
        result.then(this.onEncoded, this.onEncodeFailed);
        return;
      }
      batch.push(result);
      this.takeSent();
    }
    if (batch.length > 0) this.writeInner(batch);
    this.onQueueEmpty();
  }

  /** Runs the codecs first to last; stays synchronous until one of them returns a promise. */
  private encode(frame: Frame): Frame | Promise<Frame> {
    let result: Frame | Promise<Frame> = frame;
    for (const codec of this.codecs) {
      result = result instanceof Frame ? codec.encode(result) : result.then((encoded) => codec.encode(encoded));
    }
    return result;
  }

  // Bound once: a frame encoded asynchronously makes no closures of its own.
  private readonly onEncoded = (encoded: Frame): void => {
    this.encoding = false;
    if (this.stopped) return;
    this.takeSent();
    this.writeInner([encoded]);
    this.pump();
  };

  private readonly onEncodeFailed = (error: unknown): void => {
    this.encoding = false;
    if (!this.stopped) this.fail(error as Error);
  };

  private takeSent(): void {
    this.pendingBytes -= this.toSend.shift()!.byteLength;
  }

  private writeInner(frames: Frame[]): void {
    if (!this.inner.write(frames)) {
      this.innerBlocked = true;
      this.drainWanted = true;
    }
  }

  private onQueueEmpty(): void {
    if (this.endGrace !== null) {
      const grace = this.endGrace;
      this.endGrace = null;
      this.inner.end(grace);
    }
    this.settleIdleWaiters();
  }

  /** Drops what waits; an `end` that waited for it goes ahead now. */
  private fail(error: Error): void {
    this.dropQueued();
    this.onQueueEmpty();
    this.host.encodeFailed(error);
  }

  private dropQueued(): void {
    this.toSend.clear();
    this.pendingBytes = 0;
  }

  private settleIdleWaiters(): void {
    const waiters = this.idleWaiters;
    if (waiters === null) return;
    this.idleWaiters = null;
    for (const resolve of waiters) resolve();
  }
}
