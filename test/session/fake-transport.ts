// A FrameTransport driven by hand, for unit tests of the session's parts and of transports that wrap
// another: it records what it is asked to do and delivers only what a test hands it.
import { Frame } from "../../src/protocol/frame.js";
import { frameTypeName } from "../../src/protocol/frame-type.js";
import type { FrameSink, FrameTransport } from "../../src/transport/frame-transport.js";

export class FakeTransport implements FrameTransport {
  readonly masking: boolean;
  maxFrameSize = 1 << 20;
  maxMessageSize?: number;
  /** Set by a test to play an engine that cannot send some frames. */
  checkWritable?: (frame: Frame) => void;
  sink: FrameSink | null = null;
  /** Every `write` call's frames, in order. */
  readonly writes: Frame[][] = [];
  /** What `write` returns; set false to play a full socket buffer. */
  accepting = true;
  paused = false;
  resumes = 0;
  /** Set while a test's own call is on the stack, to tell where a `resume` came from. */
  insideCall = false;
  resumedInsideCall = false;
  /** Every `end` call's grace. */
  readonly ends: number[] = [];
  destroyed = false;
  closed = false;

  constructor(masking = true) {
    this.masking = masking;
  }

  start(sink: FrameSink): void {
    this.sink = sink;
  }

  write(frames: readonly Frame[]): boolean {
    if (this.closed) return true;
    this.writes.push([...frames]);
    return this.accepting;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.resumes++;
    if (this.insideCall) this.resumedInsideCall = true;
    this.paused = false;
  }

  flushed(): Promise<void> {
    return Promise.resolve();
  }

  end(graceMillis: number): void {
    this.ends.push(graceMillis);
  }

  /** As a socket: the end is reported later, never inside this call. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    queueMicrotask(() => this.connectionGone(null));
  }

  // --- the test's side ---

  /** A frame arrives from the peer; returns what the sink answered. */
  arrive(frame: Frame): boolean {
    return this.sink!.onFrame(frame);
  }

  /** The socket's buffer emptied after `write` returned false. */
  drain(): void {
    this.accepting = true;
    this.sink!.onDrain();
  }

  /** The connection is gone (the peer closed it, or it was cut). */
  connectionGone(error: Error | null): void {
    if (this.closed) return;
    this.closed = true;
    this.sink?.onClosed(error);
  }

  /** Runs `call` as a test's own call, to see whether it re-enters the transport. */
  during<T>(call: () => T): T {
    this.insideCall = true;
    try {
      return call();
    } finally {
      this.insideCall = false;
    }
  }

  /** Every frame written so far, flattened. */
  get frames(): Frame[] {
    return this.writes.flat();
  }

  /** The frames written so far as short strings: the text of Text frames, `<type>` for others. */
  get texts(): string[] {
    return this.frames.map(describe);
  }
}

/** A frame as a short string: its text for a Text frame, else `<close 1000>`, `<ping>`, `<binary>`... */
export function describe(frame: Frame): string {
  if (frame instanceof Frame.Text) return frame.readText();
  if (frame instanceof Frame.Close) {
    try {
      return `<close ${frame.readReason().code}>`;
    } catch {
      return "<close ?>";
    }
  }
  return `<${frameTypeName(frame.frameType).toLowerCase()}>`;
}

/** A sink that records what a transport tells it. */
export class RecordingSink implements FrameSink {
  readonly frames: Frame[] = [];
  readonly errors: Error[] = [];
  drains = 0;
  closed: { error: Error | null } | null = null;
  /** What `onFrame` answers. */
  accepting = true;

  onFrame(frame: Frame): boolean {
    this.frames.push(frame);
    return this.accepting;
  }
  onProtocolError(error: Error): void {
    this.errors.push(error);
  }
  onDrain(): void {
    this.drains++;
  }
  onClosed(error: Error | null): void {
    this.closed = { error };
  }
  get texts(): string[] {
    return this.frames.map(describe);
  }
}
