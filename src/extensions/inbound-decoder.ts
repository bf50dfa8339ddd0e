import { Frame } from "../protocol/frame.js";
import type { FrameSink } from "../transport/frame-transport.js";
import type { DecodeLimits, ExtensionCodec } from "./extension.js";
import { ArrayQueue } from "../util/array-queue.js";

/**
 * Received bytes (as they came, compressed) that may wait behind a decode in progress before the
 * connection stops being read. Reading on while a frame is inflated keeps the pipe full, and sees a
 * peer's Close and end of connection that follow a large compressed message.
 */
const RECEIVE_BUDGET_BYTES = 1024 * 1024;

/** What the decoder needs from the transport it works in. */
export interface DecoderHost {
  /** Lets the connection beneath be read again. */
  resumeReading(): void;
  /** The connection's end, once every frame received before it is handed on (or dropped). */
  finish(error: Error | null): void;
}

/**
 * @internal The receiving half of the extension transport: runs the negotiated extensions' `decode`,
 * last to first, on each frame from the connection and hands the results to the session in the order
 * the frames arrived, even when a codec works asynchronously (zlib on the thread pool). While a frame
 * is being decoded, later frames wait here, and reading goes on until a budget of waiting bytes is
 * spent. A frame that needs no work goes through at once, without a promise. The connection's end is
 * reported only after the frames received before it, so a peer's last message and Close are not lost
 * behind a decompression in progress.
 */
export class InboundDecoder {
  /** The session, once started. */
  sink: FrameSink | null = null;
  private readonly codecs: readonly ExtensionCodec[];
  private readonly limits: DecodeLimits;
  private readonly host: DecoderHost;
  /** Frames (or the connection's framing error) waiting behind a decode in progress or a paused session. */
  private readonly received = new ArrayQueue<Frame | Error>();
  private receivedBytes = 0;
  private decoding = false;
  /** The session asked for no more frames (its `onFrame` returned false) until `resume()`. */
  private sessionPaused = false;
  /** False once nothing more may reach the session: after `stop`, or a failure. */
  private delivering = true;
  /** Set once the connection beneath closed; reported after the queue is through. */
  private closed: { readonly error: Error | null } | null = null;
  private closeReported = false;
  private pumping = false;
  private pumpAgain = false;

  /** `limits` are read when a codec needs them, so changes on a live session count. */
  constructor(codecs: readonly ExtensionCodec[], limits: DecodeLimits, host: DecoderHost) {
    this.codecs = codecs;
    this.limits = limits;
    this.host = host;
  }

  /** A frame from the connection; false when the connection should stop being read for now. */
  onFrame(frame: Frame): boolean {
    if (!this.delivering) return false;
    if (this.decoding || this.received.size > 0 || this.sessionPaused) {
      this.received.push(frame);
      this.receivedBytes += frame.byteLength;
      return !this.sessionPaused && this.receivedBytes < RECEIVE_BUDGET_BYTES;
    }
    return this.decodeAndDeliver(frame);
  }

  /** The connection stops after a framing error; the frames before it are still handed on first. */
  onProtocolError(error: Error): void {
    if (!this.delivering) return;
    if (this.decoding || this.received.size > 0) this.received.push(error);
    else this.fail(error);
  }

  /** The connection beneath is gone: reported once what came before it is through. */
  onClosed(error: Error | null): void {
    if (this.closed !== null) return;
    this.closed = { error };
    if (this.delivering && (this.decoding || this.received.size > 0)) this.pump();
    else this.reportClose();
  }

  resume(): void {
    this.sessionPaused = false;
    this.pump();
  }

  /** Nothing more reaches the session (it is ending the connection, or cut it); what waits is dropped. */
  stop(): void {
    this.delivering = false;
    this.dropReceived();
  }

  /**
   * Fails the session with `error` (its close code applies) unless nothing reaches it any more.
   * Returns false when the error could not be reported.
   */
  fail(error: Error): boolean {
    const sink = this.sink;
    if (!this.delivering || sink === null) return false;
    this.stop();
    sink.onProtocolError(error);
    return true;
  }

  /** Decodes a frame and hands it (now or once decoded) to the session; false when reading should stop. */
  private decodeAndDeliver(frame: Frame): boolean {
    let result: Frame | Promise<Frame>;
    try {
      result = this.decode(frame);
    } catch (error) {
      this.fail(error as Error);
      return false;
    }
    if (result instanceof Frame) return this.deliver(result);
    this.decoding = true;
    result.then(this.onDecoded, this.onDecodeFailed);
    return true;
  }

  /** Runs the codecs last to first; stays synchronous until one of them returns a promise. */
  private decode(frame: Frame): Frame | Promise<Frame> {
    const codecs = this.codecs;
    const limits = this.limits;
    let result: Frame | Promise<Frame> = frame;
    for (let i = codecs.length - 1; i >= 0; i--) {
      const codec = codecs[i];
      result = result instanceof Frame ? codec.decode(result, limits) : result.then((decoded) => codec.decode(decoded, limits));
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

  // Bound once: a frame decoded asynchronously makes no closures of its own.
  private readonly onDecoded = (frame: Frame): void => {
    this.decoding = false;
    if (!this.delivering) {
      if (this.closed !== null) this.reportClose();
      return;
    }
    this.deliver(frame);
    this.pump();
  };

  private readonly onDecodeFailed = (error: unknown): void => {
    this.decoding = false;
    if (this.delivering) this.fail(error as Error);
    if (this.closed !== null) this.reportClose();
  };

  /** Works through the frames waiting, then lets the connection be read again (or reports its close). */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        // Once the connection is gone the session gets what came before the end, paused or not.
        while (!this.decoding && this.delivering && (!this.sessionPaused || this.closed !== null) && this.received.size > 0) {
          const next = this.received.shift()!;
          if (next instanceof Error) {
            this.fail(next);
            break;
          }
          this.receivedBytes -= next.byteLength;
          this.decodeAndDeliver(next);
        }
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    if (this.decoding) return;
    if (this.closed !== null) {
      if (!this.delivering || this.received.size === 0) this.reportClose();
      return;
    }
    if (this.delivering && !this.sessionPaused && this.received.size === 0) this.host.resumeReading();
  }

  private dropReceived(): void {
    this.received.clear();
    this.receivedBytes = 0;
  }

  private reportClose(): void {
    if (this.closeReported || this.closed === null) return;
    this.closeReported = true;
    this.stop();
    this.host.finish(this.closed.error);
  }
}
