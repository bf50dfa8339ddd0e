import { Frame } from "../../protocol/frame.js";
import { CloseReason, isSendableCloseCode } from "../../protocol/close-reason.js";
import type { FrameSink, FrameTransport } from "../../transport/frame-transport.js";
import { FrameTooBigError, ProtocolViolationError } from "../../errors.js";
import { capabilityError, type HttpClientEngine } from "../engine.js";
import { ArrivalQueue, type Arrival } from "../arrival-queue.js";

/** @internal The part of a `ws` WebSocket this engine uses. */
export interface WsSocket {
  readonly readyState: number;
  readonly protocol: string;
  readonly extensions: string;
  binaryType: string;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  send(data: Uint8Array, options: { binary: boolean; fin: boolean }, callback: (error?: Error | null) => void): void;
  ping(data: Uint8Array, mask: undefined, callback: (error?: Error | null) => void): void;
  pong(data: Uint8Array, mask: undefined, callback: (error?: Error | null) => void): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  pause(): void;
  resume(): void;
}

/** ws's `readyState` values (the WHATWG ones). */
export const WS_OPEN = 1;

/** ws's close event: its code and reason. */
interface WsClose {
  readonly code: number;
  readonly reason: string;
}

/** @internal What a `WsTransport` needs from its engine. */
export interface WsTransportOptions {
  readonly engine: Pick<HttpClientEngine, "name" | "limitations">;
  /** The `maxPayload` ws was given: the most `maxFrameSize` can be on this connection. */
  readonly maxPayload: number;
  readonly writeHighWaterMark: number;
}

/**
 * @internal Frames over a `ws` WebSocket. ws parses and answers the protocol's details; this maps its
 * events onto the session's frames: messages (whole, `fin = true`), pings and pongs (ws's `autoPong`
 * is off, so the session answers pings and its own pings' pongs reach it), and the close (a
 * `Frame.Close` with the peer's code, then `onClosed`). Written frames go to `send` (with `fin`, so
 * fragments work), `ping`, `pong` and `close`. Write backpressure counts the bytes whose write
 * callback has not come yet; read backpressure pauses ws's socket.
 */
export class WsTransport implements FrameTransport {
  readonly masking = true;
  private readonly ws: WsSocket;
  private readonly options: WsTransportOptions;
  private limit: number;
  private readonly arrivals = new ArrivalQueue<WsClose>(
    (close) => this.onClose(close.code, close.reason),
    () => this.ws.pause(),
  );
  private sink: FrameSink | null = null;
  private error: Error | null = null;
  private pendingBytes = 0;
  private writeBlocked = false;
  private flushWaiters: (() => void)[] = [];
  /** `end()` was called: our Close is on its way, and the peer's end is awaited. */
  private ending = false;

  constructor(ws: WsSocket, options: WsTransportOptions) {
    this.ws = ws;
    this.options = options;
    this.limit = options.maxPayload;
    ws.on("message", (data: Uint8Array, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on("ping", (data: Uint8Array) => this.arrivals.pushFrame(new Frame.Ping(data), this.sink));
    ws.on("pong", (data: Uint8Array) => this.arrivals.pushFrame(new Frame.Pong(data), this.sink));
    ws.on("close", (code: number, reason: Uint8Array) => this.arrive({ kind: "close", close: { code, reason: new TextDecoder().decode(reason) } }));
    ws.on("error", (error: Error & { code?: unknown }) => this.onError(error));
  }

  get maxFrameSize(): number {
    return this.limit;
  }

  set maxFrameSize(bytes: number) {
    if (bytes > this.options.maxPayload) {
      throw capabilityError(
        this.options.engine,
        "frameSizeLimit",
        `ws fixed its maxPayload at ${this.options.maxPayload} bytes when it connected: maxFrameSize can be lowered on a live session, not raised`,
      );
    }
    this.limit = bytes;
  }

  checkWritable(frame: Frame): void {
    if (frame.rsv1 || frame.rsv2 || frame.rsv3) {
      throw capabilityError(this.options.engine, "rawFrames", "ws sets RSV bits only for its own permessage-deflate");
    }
  }

  start(sink: FrameSink): void {
    this.sink = sink;
    this.arrivals.deliver(this.sink);
  }

  write(frames: readonly Frame[]): boolean {
    const ws = this.ws;
    for (const frame of frames) {
      if (this.arrivals.finished || ws.readyState !== WS_OPEN) return true; // as a socket that is gone: dropped
      if (frame instanceof Frame.Close) {
        this.sendClose(frame);
        continue;
      }
      const size = frame.byteLength;
      this.pendingBytes += size;
      const done = (): void => this.onWritten(size);
      if (frame instanceof Frame.Ping) ws.ping(frame.data, undefined, done);
      else if (frame instanceof Frame.Pong) ws.pong(frame.data, undefined, done);
      else ws.send(frame.data, { binary: frame instanceof Frame.Binary, fin: frame.fin }, done);
    }
    if (this.pendingBytes <= this.options.writeHighWaterMark) return true;
    this.writeBlocked = true;
    return false;
  }

  resume(): void {
    if (!this.arrivals.paused) return;
    this.arrivals.paused = false;
    this.ws.resume();
    this.arrivals.deliver(this.sink);
  }

  flushed(): Promise<void> {
    if (this.arrivals.finished || this.pendingBytes === 0) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push(resolve));
  }

  end(): void {
    if (this.ending || this.arrivals.finished) return;
    this.ending = true;
    this.arrivals.stopped = true;
    this.ws.resume();
    // ws would wait 30 s for the server to close TCP: the session's deadline calls destroy() long before.
    if (this.ws.readyState === WS_OPEN) this.ws.close();
    this.arrivals.deliver(this.sink);
  }

  destroy(): void {
    if (this.arrivals.finished) return;
    this.arrivals.stopped = true;
    this.ws.terminate();
  }

  /** ws found the peer breaking a rule (it closes by itself): the session hears it as from CIO's parser. */
  private onError(error: Error & { code?: unknown }): void {
    this.error ??= error;
    const code = typeof error.code === "string" ? error.code : "";
    if (!code.startsWith("WS_ERR_")) return;
    let failure: Error;
    if (code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
      failure = new FrameTooBigError(`A message exceeds maxFrameSize ${this.limit} (${error.message})`, this.limit + 1, this.limit);
    } else {
      failure = new ProtocolViolationError(error.message, code === "WS_ERR_INVALID_UTF8" ? CloseReason.Codes.NOT_CONSISTENT : CloseReason.Codes.PROTOCOL_ERROR);
    }
    this.arrive({ kind: "error", error: failure });
  }

  private onMessage(data: Uint8Array, isBinary: boolean): void {
    if (data.length > this.limit) {
      const error = new FrameTooBigError(`Message of ${data.length} bytes exceeds maxFrameSize ${this.limit}`, data.length, this.limit);
      this.arrive({ kind: "error", error });
      return;
    }
    this.arrivals.pushFrame(isBinary ? new Frame.Binary(true, data) : new Frame.Text(true, data), this.sink);
  }

  private arrive(arrival: Arrival<WsClose>): void {
    this.arrivals.push(arrival, this.sink);
  }

  private onClose(code: number, reason: string): void {
    const sink = this.sink;
    const abnormal = code === CloseReason.Codes.CLOSED_ABNORMALLY;
    if (!abnormal && sink !== null) {
      sink.onFrame(isSendableCloseCode(code) ? new Frame.Close(new CloseReason(code, reason)) : new Frame.Close());
    }
    this.finish(abnormal ? this.error : null);
  }

  private sendClose(frame: Frame.Close): void {
    let reason: CloseReason | null = null;
    try {
      reason = frame.readReason();
    } catch {
      // A raw payload ws cannot express: a close without a code.
    }
    if (reason === null || !isSendableCloseCode(reason.code)) {
      this.ws.close();
      return;
    }
    try {
      this.ws.close(reason.code, reason.message);
    } catch {
      this.ws.close();
    }
  }

  private onWritten(size: number): void {
    this.pendingBytes -= size;
    if (this.writeBlocked && this.pendingBytes <= this.options.writeHighWaterMark / 2) {
      this.writeBlocked = false;
      this.sink?.onDrain();
    }
    if (this.pendingBytes === 0) this.settleFlushWaiters();
  }

  private settleFlushWaiters(): void {
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private finish(error: Error | null): void {
    if (this.arrivals.finished) return;
    this.arrivals.finish();
    this.settleFlushWaiters();
    const sink = this.sink;
    this.sink = null;
    sink?.onClosed(error);
  }
}
