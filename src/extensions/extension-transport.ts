import { Frame } from "../protocol/frame.js";
import type { FrameSink, FrameTransport } from "../transport/frame-transport.js";
import type { DecodeLimits, ExtensionCodec } from "./extension.js";

/**
 * Uncompressed bytes that may wait for their turn to be encoded before `write` asks the session to
 * wait (returns false). The session hands over up to 256 KiB per write; this lets a few such batches
 * queue up, so the session's own flow (and its pongs) is not held up by each compression.
 */
const ENCODE_BUDGET_BYTES = 1024 * 1024;
/**
 * Received bytes (as they came, compressed) that may wait behind a decode in progress before the
 * connection stops being read. Reading on while a frame is inflated keeps the pipe full, and sees a
 * peer's Close and end of connection that follow a large compressed message.
 */
const RECEIVE_BUDGET_BYTES = 1024 * 1024;

/**
 * @internal A transport that runs negotiated extensions between a session and the transport that
 * carries the bytes, so the session never learns extensions exist. Each direction is one ordered
 * queue: a frame is handed on only once the frames before it are, even when an extension works
 * asynchronously (zlib on the thread pool). Receiving reads on while a frame is being decoded, up
 * to a budget of waiting bytes; sending accepts frames up to a budget and then tells the session to
 * wait for `onDrain`, as a full socket does. A frame that needs no work (control frames, uncompressed
 * messages) goes through at once, without a promise.
 *
 * The codecs are released when the connection ends. The connection's end is reported to the session
 * only after the frames received before it have been decoded, so a peer's last message and Close are
 * not lost behind a decompression in progress.
 */
export class ExtensionTransport implements FrameTransport, FrameSink, DecodeLimits {
  readonly masking: boolean;
  /** Kept up to date by the default session; `Infinity` under a raw session, which reassembles nothing. */
  maxMessageSize = Infinity;
  private readonly inner: FrameTransport;
  /** In the order agreed: encoding runs them first to last, decoding last to first. */
  private readonly codecs: readonly ExtensionCodec[];
  private sink: FrameSink | null = null;
  private disposed = false;

  // Receiving
  /** Frames (or the inner transport's error) waiting behind a decode in progress or a paused session. */
  private readonly received: (Frame | Error)[] = [];
  private receivedBytes = 0;
  private decoding = false;
  /** The session asked for no more frames until `resume()`. */
  private sessionPaused = false;
  /** False once nothing more may reach the session: after `end`, `destroy`, or a failure. */
  private delivering = true;
  /** Set once the inner transport closed; reported after the queue is through. */
  private closed: { readonly error: Error | null } | null = null;
  private closeReported = false;
  private pumping = false;
  private pumpAgain = false;

  // Sending
  private readonly toSend: Frame[] = [];
  private sendHead = 0;
  private pendingBytes = 0;
  private encoding = false;
  private innerBlocked = false;
  private drainWanted = false;
  private endGrace: number | null = null;
  private idleWaiters: (() => void)[] | null = null;

  constructor(inner: FrameTransport, codecs: readonly ExtensionCodec[]) {
    this.inner = inner;
    this.codecs = codecs;
    this.masking = inner.masking;
  }

  get maxFrameSize(): number {
    return this.inner.maxFrameSize;
  }

  set maxFrameSize(bytes: number) {
    this.inner.maxFrameSize = bytes;
  }

  start(sink: FrameSink): void {
    this.sink = sink;
    this.inner.start(this);
  }

  checkWritable(frame: Frame): void {
    this.inner.checkWritable?.(frame);
  }

  // --- receiving: FrameSink of the inner transport ---

  /** @internal */
  onFrame(frame: Frame): boolean {
    if (!this.delivering) return false;
    if (this.decoding || this.received.length > 0 || this.sessionPaused) {
      this.received.push(frame);
      this.receivedBytes += frame.byteLength;
      return !this.sessionPaused && this.receivedBytes < RECEIVE_BUDGET_BYTES;
    }
    return this.decodeAndDeliver(frame);
  }

  /** @internal The inner transport stops after an error; the frames before it are still handed on first. */
  onProtocolError(error: Error): void {
    if (!this.delivering) return;
    if (this.decoding || this.received.length > 0) this.received.push(error);
    else this.failReceiving(error);
  }

  /** @internal */
  onDrain(): void {
    this.innerBlocked = false;
    this.pumpOut();
  }

  /** @internal */
  onClosed(error: Error | null): void {
    if (this.closed !== null) return;
    this.closed = { error };
    this.dropOutgoing();
    if (this.delivering && (this.decoding || this.received.length > 0)) this.pumpIn();
    else this.reportClose();
  }

  // --- FrameTransport, for the session ---

  write(frames: readonly Frame[]): boolean {
    if (this.closed !== null || this.disposed) return true;
    for (const frame of frames) {
      this.toSend.push(frame);
      this.pendingBytes += frame.byteLength;
    }
    this.pumpOut();
    const accepted = !this.innerBlocked && this.pendingBytes <= ENCODE_BUDGET_BYTES;
    if (!accepted) this.drainWanted = true;
    return accepted;
  }

  pause(): void {
    this.sessionPaused = true;
    this.inner.pause();
  }

  resume(): void {
    this.sessionPaused = false;
    this.pumpIn();
  }

  flushed(): Promise<void> {
    if (!this.encoding && this.sendHead === this.toSend.length) return this.inner.flushed();
    return new Promise<void>((resolve) => (this.idleWaiters ??= []).push(resolve)).then(() => this.inner.flushed());
  }

  end(graceMillis: number): void {
    // As the socket transport: nothing more is delivered once the session ends the connection.
    this.delivering = false;
    this.dropReceived();
    if (this.encoding || this.sendHead < this.toSend.length) this.endGrace = graceMillis;
    else this.inner.end(graceMillis);
  }

  destroy(): void {
    this.delivering = false;
    this.dropReceived();
    this.dropOutgoing();
    this.dispose();
    this.inner.destroy();
  }

  // --- receiving ---

  /** Decodes a frame and hands it (now or once decoded) to the session; false when the inner transport should stop. */
  private decodeAndDeliver(frame: Frame): boolean {
    let result: Frame | Promise<Frame>;
    try {
      result = this.decode(frame);
    } catch (error) {
      this.failReceiving(error as Error);
      return false;
    }
    if (result instanceof Frame) return this.deliver(result);
    this.decoding = true;
    result.then(
      (decoded) => this.onDecoded(decoded),
      (error: unknown) => this.onDecodeFailed(error as Error),
    );
    return true;
  }

  /** Runs the codecs last to first; stays synchronous until one of them returns a promise. */
  private decode(frame: Frame): Frame | Promise<Frame> {
    const codecs = this.codecs;
    // This transport is the limits (DecodeLimits), read when a codec needs them: changes on a live session count.
    let result: Frame | Promise<Frame> = frame;
    for (let i = codecs.length - 1; i >= 0; i--) {
      const codec = codecs[i];
      result = result instanceof Frame ? codec.decode(result, this) : result.then((decoded) => codec.decode(decoded, this));
    }
    return result;
  }

  private deliver(frame: Frame): boolean {
    const sink = this.sink;
    if (sink === null) return false;
    const goOn = sink.onFrame(frame);
    if (!goOn) this.sessionPaused = true;
    return goOn;
  }

  private onDecoded(frame: Frame): void {
    this.decoding = false;
    if (!this.delivering) {
      if (this.closed !== null) this.reportClose();
      return;
    }
    this.deliver(frame);
    this.pumpIn();
  }

  private onDecodeFailed(error: Error): void {
    this.decoding = false;
    if (this.delivering) this.failReceiving(error);
    if (this.closed !== null) this.reportClose();
  }

  /** Works through the frames waiting, then lets the inner transport read again (or reports its close). */
  private pumpIn(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        // Once the connection is gone the session gets what came before the end, paused or not.
        while (!this.decoding && this.delivering && (!this.sessionPaused || this.closed !== null)) {
          const next = this.received.shift();
          if (next === undefined) break;
          if (next instanceof Frame) this.receivedBytes -= next.byteLength;
          if (next instanceof Error) {
            this.failReceiving(next);
            break;
          }
          this.decodeAndDeliver(next);
        }
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    if (this.decoding) return;
    if (this.closed !== null) {
      if (!this.delivering || this.received.length === 0) this.reportClose();
      return;
    }
    if (this.delivering && !this.sessionPaused && this.received.length === 0) this.inner.resume();
  }

  private failReceiving(error: Error): void {
    if (!this.delivering) return;
    this.delivering = false;
    this.dropReceived();
    this.sink?.onProtocolError(error);
  }

  private dropReceived(): void {
    this.received.length = 0;
    this.receivedBytes = 0;
  }

  private reportClose(): void {
    if (this.closeReported || this.closed === null) return;
    this.closeReported = true;
    this.delivering = false;
    this.dropReceived();
    this.dispose();
    const sink = this.sink;
    this.sink = null;
    sink?.onClosed(this.closed.error);
  }

  // --- sending ---

  /** Encodes and writes what is queued, then tells a waiting session when it may write again. */
  private pumpOut(): void {
    this.encodeQueued();
    if (!this.drainWanted || this.innerBlocked || this.pendingBytes > ENCODE_BUDGET_BYTES) return;
    this.drainWanted = false;
    // Asynchronously: the session's drain handler writes again, which would re-enter this pump.
    queueMicrotask(() => {
      if (this.closed === null) this.sink?.onDrain();
    });
  }

  /** Encodes and writes queued frames in order: runs of frames that need no waiting go in one write. */
  private encodeQueued(): void {
    if (this.encoding || this.closed !== null || this.disposed) return;
    const batch: Frame[] = [];
    while (this.sendHead < this.toSend.length) {
      const frame = this.toSend[this.sendHead];
      let result: Frame | Promise<Frame>;
      try {
        result = this.encode(frame);
      } catch (error) {
        this.failSending(error as Error);
        return;
      }
      if (!(result instanceof Frame)) {
        if (batch.length > 0) this.writeInner(batch);
        this.encoding = true;
        result.then(
          (encoded) => this.onEncoded(frame, encoded),
          (error: unknown) => this.onEncodeFailed(error as Error),
        );
        return;
      }
      batch.push(result);
      this.takeSent(frame);
    }
    if (batch.length > 0) this.writeInner(batch);
    this.onSendQueueEmpty();
  }

  /** Runs the codecs first to last; stays synchronous until one of them returns a promise. */
  private encode(frame: Frame): Frame | Promise<Frame> {
    let result: Frame | Promise<Frame> = frame;
    for (const codec of this.codecs) {
      result = result instanceof Frame ? codec.encode(result) : result.then((encoded) => codec.encode(encoded));
    }
    return result;
  }

  private onEncoded(frame: Frame, encoded: Frame): void {
    this.encoding = false;
    if (this.closed !== null || this.disposed) return;
    this.takeSent(frame);
    this.writeInner([encoded]);
    this.pumpOut();
  }

  private onEncodeFailed(error: Error): void {
    this.encoding = false;
    if (this.closed !== null || this.disposed) return;
    this.failSending(error);
  }

  private takeSent(frame: Frame): void {
    this.sendHead++;
    this.pendingBytes -= frame.byteLength;
    if (this.sendHead === this.toSend.length) {
      this.toSend.length = 0;
      this.sendHead = 0;
    } else if (this.sendHead >= 1024 && this.sendHead * 2 >= this.toSend.length) {
      this.toSend.splice(0, this.sendHead);
      this.sendHead = 0;
    }
  }

  private writeInner(frames: Frame[]): void {
    if (!this.inner.write(frames)) {
      this.innerBlocked = true;
      this.drainWanted = true;
    }
  }

  private onSendQueueEmpty(): void {
    if (this.endGrace !== null) {
      const grace = this.endGrace;
      this.endGrace = null;
      this.inner.end(grace);
    }
    this.settleIdleWaiters();
  }

  private failSending(error: Error): void {
    this.dropOutgoing();
    const sink = this.sink;
    // An extension that cannot encode is our failure, not the peer's: the session closes with 1011.
    if (sink !== null && this.delivering) {
      this.delivering = false;
      this.dropReceived();
      sink.onProtocolError(error);
    } else {
      this.inner.destroy();
    }
  }

  private dropOutgoing(): void {
    this.toSend.length = 0;
    this.sendHead = 0;
    this.pendingBytes = 0;
    if (this.endGrace !== null) {
      const grace = this.endGrace;
      this.endGrace = null;
      if (this.closed === null) this.inner.end(grace);
    }
    this.settleIdleWaiters();
  }

  private settleIdleWaiters(): void {
    const waiters = this.idleWaiters;
    if (waiters === null) return;
    this.idleWaiters = null;
    for (const resolve of waiters) resolve();
  }

  private dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const codec of this.codecs) codec.dispose();
  }
}
