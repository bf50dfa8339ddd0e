import type { Frame } from "../protocol/frame.js";
import type { FrameSink, FrameTransport } from "./frame-transport.js";

/**
 * @internal A transport in front of another that passes everything through both ways, unchanged: the
 * base of transports that watch what goes by (the Logging plugin's, the command line's frame watch).
 * A subclass overrides what it watches and calls `super` to pass it on.
 */
export abstract class ForwardingTransport implements FrameTransport, FrameSink {
  readonly masking: boolean;
  protected readonly inner: FrameTransport;
  /** The session above, from `start` until the connection is gone. */
  protected sink: FrameSink | null = null;

  constructor(inner: FrameTransport) {
    this.inner = inner;
    this.masking = inner.masking;
  }

  get lineLog(): ((line: string) => void) | undefined {
    return this.inner.lineLog;
  }

  get maxFrameSize(): number {
    return this.inner.maxFrameSize;
  }

  set maxFrameSize(bytes: number) {
    this.inner.maxFrameSize = bytes;
  }

  get maxMessageSize(): number | undefined {
    return this.inner.maxMessageSize;
  }

  set maxMessageSize(bytes: number | undefined) {
    this.inner.maxMessageSize = bytes;
  }

  checkWritable(frame: Frame): void {
    this.inner.checkWritable?.(frame);
  }

  start(sink: FrameSink): void {
    this.sink = sink;
    this.inner.start(this);
  }

  write(frames: readonly Frame[]): boolean {
    return this.inner.write(frames);
  }

  resume(): void {
    this.inner.resume();
  }

  flushed(): Promise<void> {
    return this.inner.flushed();
  }

  end(graceMillis: number): void {
    this.inner.end(graceMillis);
  }

  destroy(): void {
    this.inner.destroy();
  }

  // --- FrameSink of the inner transport ---

  onFrame(frame: Frame): boolean {
    return this.sink?.onFrame(frame) ?? false;
  }

  onProtocolError(error: Error): void {
    this.sink?.onProtocolError(error);
  }

  onDrain(): void {
    this.sink?.onDrain();
  }

  onClosed(error: Error | null): void {
    const sink = this.sink;
    this.sink = null;
    sink?.onClosed(error);
  }
}
