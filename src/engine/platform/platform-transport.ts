import { Frame } from "../../protocol/frame.js";
import { CloseReason, isSendableCloseCode } from "../../protocol/close-reason.js";
import type { FrameSink, FrameTransport } from "../../transport/frame-transport.js";
import { FrameTooBigError, WebSocketError } from "../../errors.js";
import { capabilityError, type HttpClientEngine } from "../engine.js";
import { ArrivalQueue, type Arrival } from "../arrival-queue.js";

/** @internal The part of a runtime's `WebSocket` object this engine uses (WHATWG WebSockets). */
export interface RuntimeWebSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  readonly protocol: string;
  readonly extensions: string;
  binaryType: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onclose: ((event: RuntimeCloseEvent) => void) | null;
  onerror: ((event: { readonly message?: unknown; readonly error?: unknown }) => void) | null;
  send(data: string | ArrayBufferView | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
}

/** @internal A `CloseEvent`'s fields. */
export interface RuntimeCloseEvent {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** @internal WHATWG `readyState`: the connection is being opened. */
export const CONNECTING = 0;
/** @internal WHATWG `readyState`: open. */
export const OPEN = 1;

/** @internal What a `PlatformTransport` needs from its engine. */
export interface PlatformTransportOptions {
  readonly engine: Pick<HttpClientEngine, "name" | "limitations">;
  readonly maxFrameSize: number;
  readonly writeHighWaterMark: number;
  readonly drainPollMillis: number;
}

/**
 * @internal Frames over a runtime's `WebSocket` object. The runtime does the protocol; this maps its
 * messages and events onto the session's frames:
 *
 * - each message arrives as one final `Frame.Text` / `Frame.Binary`, checked against `maxFrameSize`
 *   as a whole (the runtime has already received it: there is no per-frame limit before buffering);
 * - the `close` event arrives as a `Frame.Close` with the peer's code and reason, then `onClosed`;
 *   an abnormal end (1006, 1015) is `onClosed` alone;
 * - a `Frame.Close` written becomes `ws.close(code, reason)`. The API lets a script send only 1000
 *   and 3000–4999: other codes (1001, 1009, 1011, ...) go out as a close without a code, which the
 *   peer reads as 1005;
 * - writing stops when `bufferedAmount` passes the high-water mark and resumes (`onDrain`) when it
 *   has fallen to half, read on a timer because the API has no drain event;
 * - the runtime cannot stop reading: while the session is paused, messages wait here, in memory.
 */
export class PlatformTransport implements FrameTransport {
  readonly masking = true;
  maxFrameSize: number;
  private readonly ws: RuntimeWebSocket;
  private readonly options: PlatformTransportOptions;
  /** What the runtime handed over; it cannot stop reading, so while the session is paused it waits here. */
  private readonly arrivals = new ArrivalQueue<RuntimeCloseEvent>((event) => this.onRuntimeClose(event));
  private sink: FrameSink | null = null;
  /** `write` returned false: `onDrain` is owed once `bufferedAmount` falls. */
  private writeBlocked = false;
  private error: Error | null = null;
  private pollTimer: ReturnType<typeof setTimeout> | null = null;
  /** `end()` was called: our Close is on its way, and the runtime's close event is awaited. */
  private ending = false;
  private flushWaiters: (() => void)[] = [];

  constructor(ws: RuntimeWebSocket, options: PlatformTransportOptions) {
    this.ws = ws;
    this.options = options;
    this.maxFrameSize = options.maxFrameSize;
    ws.onmessage = (event) => this.onMessage(event.data);
    ws.onclose = (event) => this.arrive({ kind: "close", close: event });
    ws.onerror = (event) => (this.error ??= runtimeError(event));
  }

  checkWritable(frame: Frame): void {
    const engine = this.options.engine;
    if (frame instanceof Frame.Ping || frame instanceof Frame.Pong) {
      throw capabilityError(engine, "pingFrames");
    }
    if (!frame.fin) throw capabilityError(engine, "fragmentedFrames");
    if (frame.rsv1 || frame.rsv2 || frame.rsv3) {
      throw capabilityError(engine, "rawFrames", "the runtime's WebSocket cannot set a frame's RSV bits");
    }
  }

  start(sink: FrameSink): void {
    if (this.arrivals.finished) {
      // Destroyed before the session started: it still hears that the connection is gone.
      queueMicrotask(() => sink.onClosed(null));
      return;
    }
    this.sink = sink;
    this.arrivals.deliver(this.sink);
  }

  write(frames: readonly Frame[]): boolean {
    const ws = this.ws;
    for (const frame of frames) {
      if (this.arrivals.finished || ws.readyState !== OPEN) return true; // as a socket that is gone: dropped
      if (frame instanceof Frame.Close) {
        this.sendClose(frame);
        continue;
      }
      try {
        this.checkWritable(frame);
      } catch (error) {
        // Only the session's own writes get here unchecked (its pings); fail loudly, never drop.
        this.fail(error as Error);
        return true;
      }
      ws.send(frame instanceof Frame.Text ? frame.readText() : frame.data);
    }
    return !this.overHighWaterMark();
  }

  resume(): void {
    if (!this.arrivals.paused) return;
    this.arrivals.paused = false;
    this.arrivals.deliver(this.sink);
  }

  flushed(): Promise<void> {
    if (this.arrivals.finished || this.ws.bufferedAmount === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.flushWaiters.push(resolve);
      this.poll();
    });
  }

  end(): void {
    if (this.ending || this.arrivals.finished) return;
    this.ending = true;
    this.arrivals.stopped = true;
    const ws = this.ws;
    // The runtime cannot be made to drop the connection: when the session's deadline passes, it calls
    // destroy(), which tells it the connection ended.
    if (ws.readyState === OPEN || ws.readyState === CONNECTING) ws.close();
    this.arrivals.deliver(this.sink); // a close already waiting behind paused frames ends things now
  }

  destroy(): void {
    if (this.arrivals.finished) return;
    this.arrivals.stopped = true;
    const ws = this.ws;
    if (ws.readyState === OPEN || ws.readyState === CONNECTING) ws.close();
    queueMicrotask(() => this.finish(null));
  }

  private onMessage(data: unknown): void {
    if (this.arrivals.stopped || this.arrivals.finished) return;
    let frame: Frame;
    if (typeof data === "string") frame = new Frame.Text(data);
    else if (data instanceof ArrayBuffer) frame = new Frame.Binary(new Uint8Array(data));
    else if (ArrayBuffer.isView(data)) frame = new Frame.Binary(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    else {
      const message = `The runtime's WebSocket delivered a ${typeof data} message, not text or an ArrayBuffer`;
      this.arrive({ kind: "error", error: new WebSocketError(message, { code: "KITE_ERR_UNEXPECTED_MESSAGE" }) });
      return;
    }
    const size = frame.byteLength;
    if (size > this.maxFrameSize) {
      const error = new FrameTooBigError(
        `Message of ${size} bytes exceeds maxFrameSize ${this.maxFrameSize} (the ${this.options.engine.name} engine checks whole messages, once the runtime has received them)`,
        size,
        this.maxFrameSize,
      );
      this.arrive({ kind: "error", error });
      return;
    }
    this.arrivals.pushFrame(frame, this.sink);
  }

  private arrive(arrival: Arrival<RuntimeCloseEvent>): void {
    this.arrivals.push(arrival, this.sink);
  }

  private onRuntimeClose(event: RuntimeCloseEvent): void {
    const sink = this.sink;
    const code = event.code;
    const abnormal = code === CloseReason.Codes.CLOSED_ABNORMALLY || code === 1015;
    if (!abnormal && sink !== null) {
      const frame =
        isSendableCloseCode(code) ? new Frame.Close(new CloseReason(code, event.reason ?? "")) : new Frame.Close();
      sink.onFrame(frame);
    }
    this.finish(abnormal ? this.error : null);
  }

  private sendClose(frame: Frame.Close): void {
    let reason: CloseReason | null = null;
    try {
      reason = frame.readReason();
    } catch {
      // A raw payload the API cannot express: a close without a code.
    }
    const ws = this.ws;
    const code = reason?.code;
    // WHATWG WebSockets: a script may send 1000 or 3000–4999, nothing else.
    if (code === undefined || !(code === 1000 || (code >= 3000 && code <= 4999))) {
      ws.close();
      return;
    }
    try {
      ws.close(code, reason!.message);
    } catch {
      ws.close(code);
    }
  }

  /** Fails the session from inside a write: the error reaches `incoming` and `closeReason`. */
  private fail(error: Error): void {
    queueMicrotask(() => {
      if (this.arrivals.finished || this.sink === null) return;
      this.arrivals.stopped = true;
      this.sink.onProtocolError(error);
    });
  }

  private overHighWaterMark(): boolean {
    if (this.ws.bufferedAmount <= this.options.writeHighWaterMark) return false;
    this.writeBlocked = true;
    this.poll();
    return true;
  }

  /** Reads `bufferedAmount` on a timer while writing waits or a flush is awaited. */
  private poll(): void {
    if (this.pollTimer !== null || this.arrivals.finished) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      if (this.arrivals.finished) return;
      const buffered = this.ws.bufferedAmount;
      if (buffered === 0) this.settleFlushWaiters();
      if (this.writeBlocked && buffered <= this.options.writeHighWaterMark / 2) {
        this.writeBlocked = false;
        this.sink?.onDrain();
      }
      if (this.writeBlocked || this.flushWaiters.length > 0) this.poll();
    }, this.options.drainPollMillis);
  }

  private settleFlushWaiters(): void {
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private finish(error: Error | null): void {
    if (this.arrivals.finished) return;
    this.arrivals.finish();
    if (this.pollTimer !== null) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    const ws = this.ws;
    ws.onmessage = ws.onclose = ws.onerror = null;
    this.settleFlushWaiters();
    const sink = this.sink;
    this.sink = null;
    sink?.onClosed(error);
  }
}

/** An `Error` from a runtime's error event (browsers say nothing; undici gives a message). */
export function runtimeError(event: { readonly message?: unknown; readonly error?: unknown } | null | undefined): Error {
  if (event?.error instanceof Error) return event.error;
  const message = typeof event?.message === "string" && event.message !== "" ? event.message : "the runtime's WebSocket reported an error";
  return new WebSocketError(message);
}
