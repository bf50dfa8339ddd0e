import type { Frame } from "../protocol/frame.js";
import type { FrameSink, FrameTransport } from "../transport/frame-transport.js";
import type { DecodeLimits, ExtensionCodec } from "./extension.js";
import { InboundDecoder, type DecoderHost } from "./inbound-decoder.js";
import { OutboundEncoder, type EncoderHost } from "./outbound-encoder.js";

/**
 * @internal A transport that runs negotiated extensions between a session and the transport that
 * carries the bytes, so the session never learns extensions exist. Each direction is one ordered
 * queue: received frames go through an {@link InboundDecoder}, written ones through an
 * {@link OutboundEncoder}. This class joins the two to the transports on either side and releases the
 * codecs once, when the connection ends or is cut.
 */
export class ExtensionTransport implements FrameTransport, FrameSink, DecodeLimits, DecoderHost, EncoderHost {
  readonly masking: boolean;
  /** Kept up to date by the default session; `Infinity` under a raw session, which reassembles nothing. */
  maxMessageSize = Infinity;
  private readonly inner: FrameTransport;
  /** In the order agreed: encoding runs them first to last, decoding last to first. */
  private readonly codecs: readonly ExtensionCodec[];
  private readonly decoder: InboundDecoder;
  private readonly encoder: OutboundEncoder;
  private disposed = false;

  constructor(inner: FrameTransport, codecs: readonly ExtensionCodec[]) {
    this.inner = inner;
    this.codecs = codecs;
    this.masking = inner.masking;
    // This transport is the decoder's limits, so changes on a live session count.
    this.decoder = new InboundDecoder(codecs, this, this);
    this.encoder = new OutboundEncoder(codecs, inner, this);
  }

  get maxFrameSize(): number {
    return this.inner.maxFrameSize;
  }

  set maxFrameSize(bytes: number) {
    this.inner.maxFrameSize = bytes;
  }

  start(sink: FrameSink): void {
    this.decoder.sink = sink;
    this.inner.start(this);
  }

  checkWritable(frame: Frame): void {
    this.inner.checkWritable?.(frame);
  }

  // --- FrameTransport, for the session ---

  write(frames: readonly Frame[]): boolean {
    return this.encoder.write(frames);
  }

  resume(): void {
    this.decoder.resume();
  }

  flushed(): Promise<void> {
    if (this.encoder.isIdle) return this.inner.flushed();
    return this.encoder.idle().then(() => this.inner.flushed());
  }

  end(graceMillis: number): void {
    // As the socket transport: nothing more is delivered once the session ends the connection.
    this.decoder.stop();
    this.encoder.end(graceMillis);
  }

  destroy(): void {
    this.decoder.stop();
    this.encoder.stop();
    this.dispose();
    this.inner.destroy();
  }

  // --- FrameSink of the inner transport ---

  /** @internal */
  onFrame(frame: Frame): boolean {
    return this.decoder.onFrame(frame);
  }

  /** @internal */
  onProtocolError(error: Error): void {
    this.decoder.onProtocolError(error);
  }

  /** @internal */
  onDrain(): void {
    this.encoder.onDrain();
  }

  /** @internal */
  onClosed(error: Error | null): void {
    this.encoder.stop();
    this.decoder.onClosed(error);
  }

  // --- the two halves' hosts ---

  /** @internal */
  resumeReading(): void {
    this.inner.resume();
  }

  /** @internal */
  finish(error: Error | null): void {
    this.dispose();
    const sink = this.decoder.sink;
    this.decoder.sink = null;
    sink?.onClosed(error);
  }

  /** @internal */
  drained(): void {
    this.decoder.sink?.onDrain();
  }

  /** @internal */
  encodeFailed(error: Error): void {
    if (!this.decoder.fail(error)) this.inner.destroy();
  }

  private dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const codec of this.codecs) codec.dispose();
  }
}
