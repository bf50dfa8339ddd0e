import { Frame } from "../protocol/frame.js";
import type { FrameSink, FrameTransport } from "../transport/frame-transport.js";
import { FrameTooBigError } from "../errors.js";
import { backgroundTimer } from "../util/timers.js";
import { soon } from "../util/scheduling.js";


/** @internal Settings of one end of an in-memory connection. */
export interface MemoryTransportOptions {
  /** True on the client's end, false on the server's (nothing is masked in memory; sessions read it). */
  readonly masking: boolean;
  /** Largest frame this end accepts from its peer. */
  readonly maxFrameSize: number;
  /** Bytes waiting at the peer, not yet delivered, past which `write` returns false. */
  readonly highWaterMark: number;
}

/**
 * @internal One end of an in-memory connection: what is written on one end is delivered to the other
 * end's sink on a later tick, in batches, as a socket with a frame parser would deliver it. Frames are
 * copied on the way, as bytes on a wire would be.
 *
 * - Read backpressure: a paused end keeps what arrives; its peer's `write` returns false once more
 *   than `highWaterMark` bytes wait, and `onDrain` follows when they fall to half of it.
 * - `maxFrameSize` is checked when a frame is delivered: a bigger one is reported to the sink as a
 *   `FrameTooBigError` (`onProtocolError`), and nothing after it is delivered.
 * - Closing follows TCP with `allowHalfOpen` off: `end` sends an end-of-stream behind the frames
 *   written so far (at once on the server's end; on the client's, once the peer has ended or
 *   `graceMillis` passed), an end that reads its peer's end-of-stream ends too, and each end reports
 *   `onClosed` when both directions are done. `destroy` ends at once and sends the end-of-stream
 *   behind what was written already (it is not lost, as data already handed to the operating system).
 */
export class MemoryTransport implements FrameTransport {
  readonly masking: boolean;
  maxFrameSize: number;
  maxMessageSize?: number;
  private peer: MemoryTransport | null = null;
  private readonly highWaterMark: number;
  private sink: FrameSink | null = null;
  /** Frames written by the peer, not yet delivered; `head` is the next one. */
  private inbound: Frame[] = [];
  private head = 0;
  private inboundBytes = 0;
  private paused = false;
  /** Nothing more is delivered (a protocol error, or this end is ending); what arrives is dropped. */
  private stopped = false;
  private peerEnded = false;
  private writeEnded = false;
  private closed = false;
  private closedReported = false;
  private writeBlocked = false;
  private deliveryScheduled = false;
  private endTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: MemoryTransportOptions) {
    this.masking = options.masking;
    this.maxFrameSize = options.maxFrameSize;
    this.highWaterMark = options.highWaterMark;
  }

  /** @internal Connects two ends. */
  static pair(client: MemoryTransportOptions, server: MemoryTransportOptions): [client: MemoryTransport, server: MemoryTransport] {
    const a = new MemoryTransport(client);
    const b = new MemoryTransport(server);
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  start(sink: FrameSink): void {
    this.sink = sink;
    if (this.closed) this.reportClosed();
    else this.scheduleDelivery();
  }

  write(frames: readonly Frame[]): boolean {
    const peer = this.peer;
    if (this.closed || this.writeEnded || peer === null) return true; // as a socket that is gone: dropped
    peer.receive(frames);
    if (peer.inboundBytes <= this.highWaterMark) return true;
    this.writeBlocked = true;
    return false;
  }

  pause(): void {
    // Once ending, reading goes on so the peer's end-of-stream is seen.
    if (this.stopped) return;
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.scheduleDelivery();
  }

  flushed(): Promise<void> {
    // A write is handed over at once: there is no buffer of ours to wait for.
    return Promise.resolve();
  }

  end(graceMillis: number): void {
    if (this.closed || this.endTimer !== null) return;
    this.stopped = true;
    this.paused = false;
    // RFC 6455 §7.1.1: the server closes first; the client waits for that, within reason.
    if (!this.masking || graceMillis <= 0) this.sendEnd();
    this.endTimer = backgroundTimer(() => this.destroy(), Math.max(graceMillis, 1000));
    this.scheduleDelivery();
  }

  destroy(): void {
    if (this.closed) return;
    this.stopped = true;
    this.sendEnd();
    this.finish();
  }

  // Shared callbacks for `soon`: no closure per call.
  private static deliverScheduled(transport: MemoryTransport): void {
    transport.deliveryScheduled = false;
    transport.deliver();
  }

  private static reportDrain(transport: MemoryTransport): void {
    if (!transport.closed) transport.sink?.onDrain();
  }

  private static reportClosedTo(sink: FrameSink): void {
    sink.onClosed(null);
  }

  /** The peer wrote `frames`: keep copies and deliver them on a later tick. */
  private receive(frames: readonly Frame[]): void {
    if (this.closed) return;
    for (const frame of frames) {
      const copy = copyFrame(frame);
      this.inbound.push(copy);
      this.inboundBytes += copy.byteLength;
    }
    this.scheduleDelivery();
  }

  private scheduleDelivery(): void {
    if (this.deliveryScheduled || this.closed) return;
    this.deliveryScheduled = true;
    soon(MemoryTransport.deliverScheduled, this);
  }

  /** Hands waiting frames to the sink until it asks for a pause, then sees the peer's end-of-stream. */
  private deliver(): void {
    const sink = this.sink;
    if (sink === null || this.closed) return;
    while (this.head < this.inbound.length) {
      if (this.stopped) {
        this.dropInbound();
        break;
      }
      if (this.paused) break;
      const frame = this.inbound[this.head];
      this.inbound[this.head++] = undefined as unknown as Frame;
      this.inboundBytes -= frame.byteLength;
      if (frame.byteLength > this.maxFrameSize) {
        this.stopped = true;
        this.dropInbound();
        sink.onProtocolError(new FrameTooBigError(`Frame of ${frame.byteLength} bytes exceeds maxFrameSize ${this.maxFrameSize}`, frame.byteLength, this.maxFrameSize));
        break;
      }
      if (!sink.onFrame(frame)) this.pause();
      if (this.closed) return;
    }
    if (this.head >= this.inbound.length) {
      this.inbound = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.inbound = this.inbound.slice(this.head);
      this.head = 0;
    }
    this.peer?.onPeerDelivered(this.inboundBytes);
    if (this.peerEnded && this.head >= this.inbound.length) {
      // Our side ends too (allowHalfOpen is off): both directions are done.
      this.sendEnd();
      this.finish();
    }
  }

  private dropInbound(): void {
    this.inbound = [];
    this.head = 0;
    this.inboundBytes = 0;
  }

  /** The peer delivered some of what we wrote: tell our sink it may write again once enough has gone. */
  private onPeerDelivered(waitingBytes: number): void {
    if (!this.writeBlocked || this.closed || waitingBytes > this.highWaterMark / 2) return;
    this.writeBlocked = false;
    soon(MemoryTransport.reportDrain, this);
  }

  /** Sends our end-of-stream behind what we wrote. */
  private sendEnd(): void {
    if (this.writeEnded) return;
    this.writeEnded = true;
    const peer = this.peer;
    if (peer === null || peer.closed) return;
    peer.peerEnded = true;
    peer.scheduleDelivery();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.endTimer !== null) clearTimeout(this.endTimer);
    this.endTimer = null;
    this.dropInbound();
    this.reportClosed();
  }

  private reportClosed(): void {
    const sink = this.sink;
    if (sink === null || this.closedReported) return;
    this.closedReported = true;
    soon(MemoryTransport.reportClosedTo, sink);
  }
}

/** A copy of `frame` that shares no bytes with it, as the peer's parser would make. */
function copyFrame(frame: Frame): Frame {
  const data = frame.data.slice();
  if (frame instanceof Frame.Text) return new Frame.Text(frame.fin, data, frame.rsv1, frame.rsv2, frame.rsv3);
  if (frame instanceof Frame.Binary) return new Frame.Binary(frame.fin, data, frame.rsv1, frame.rsv2, frame.rsv3);
  if (frame instanceof Frame.Close) return new Frame.Close(data);
  if (frame instanceof Frame.Ping) return new Frame.Ping(data);
  if (frame instanceof Frame.Pong) return new Frame.Pong(data);
  return frame;
}
