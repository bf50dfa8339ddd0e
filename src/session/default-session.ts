import { WebSocketSession, checkByteLimit, type SessionInit, DEFAULT_MAX_FRAME_SIZE } from "./websocket-session.js";
import { Frame } from "../protocol/frame.js";
import { CloseReason } from "../protocol/close-reason.js";
import { Utf8Validator, encodeUtf8, isValidUtf8 } from "../protocol/utf8.js";
import { backgroundTimer } from "../util/timers.js";
import { afterPendingWork } from "../util/scheduling.js";
import { rangeError, typeError } from "../util/describe-value.js";
import { FrameTooBigError, PingTimeoutError, ProtocolViolationError } from "../errors.js";

/**
 * The default session (Ktor's `DefaultWebSocketSession`): answers pings, sends pings at
 * `pingIntervalMillis` and fails after `timeoutMillis` without a pong, runs the close handshake,
 * reassembles fragmented messages into one frame, and enforces `maxMessageSize` (1009) and UTF-8
 * (1007). `incoming` carries only Text and Binary frames.
 */
export class DefaultWebSocketSession extends WebSocketSession {
  private messageLimit = 0;
  private pingInterval: number | null;
  private pingTimer: ReturnType<typeof setTimeout> | null = null;
  private pongTimer: ReturnType<typeof setTimeout> | null = null;
  private pingCount = 0;
  /** Fragments of the message being received, or null between messages. */
  private fragments: Uint8Array[] | null = null;
  private fragmentBytes = 0;
  private fragmentFirst: Frame | null = null;
  private utf8: Utf8Validator | null = null;
  /** The answer to the peer's Close, waiting for the user to drain `incoming`. */
  private closeReply: Frame.Close | null = null;
  private replyTimer: ReturnType<typeof setTimeout> | null = null;

  /** @internal Sessions are made by engines (through the client's builders), the server and MockEngine. */
  constructor(init: SessionInit) {
    super(init);
    this.maxMessageSize = init.maxMessageSize ?? init.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    this.pingInterval = null;
    this.pingIntervalMillis = init.pingIntervalMillis ?? null;
  }

  /**
   * Largest reassembled message accepted, in bytes; settable on a live session. A compressed message
   * counts with its inflated size, checked while it is inflated.
   */
  get maxMessageSize(): number {
    return this.messageLimit;
  }

  /** Applies from the next message on; a message being reassembled is checked against the new limit. */
  set maxMessageSize(bytes: number) {
    this.messageLimit = checkByteLimit(bytes, "maxMessageSize");
    this.transport.maxMessageSize = bytes;
  }

  /** Milliseconds between pings, or null for none; takes effect at once. */
  get pingIntervalMillis(): number | null {
    return this.pingInterval;
  }

  /**
   * Restarts the ping schedule; null stops it. Throws a `RangeError` unless a positive number or null,
   * and `EngineCapabilityError` for a number where the engine cannot send pings (Platform).
   */
  set pingIntervalMillis(millis: number | null) {
    if (millis !== null && typeof millis !== "number") throw typeError("pingIntervalMillis", "a positive number of milliseconds or null", millis);
    if (millis !== null && (!Number.isFinite(millis) || millis <= 0)) {
      throw rangeError("pingIntervalMillis", "a positive, finite number of milliseconds or null", millis);
    }
    if (millis !== null) this.transport.checkWritable?.(new Frame.Ping());
    this.pingInterval = millis;
    this.clearPingTimer();
    if (millis !== null && !this.isEnded) this.pingTimer = backgroundTimer(() => this.sendPing(), millis);
  }

  /** @internal */
  override onFrame(frame: Frame): boolean {
    if (this.closeReceived) return false;
    if (frame instanceof Frame.Text || frame instanceof Frame.Binary) return this.onData(frame);
    if (frame instanceof Frame.Ping) {
      this.writeControl(new Frame.Pong(frame.data));
      return true;
    }
    if (frame instanceof Frame.Pong) {
      this.clearPongTimer();
      return true;
    }
    return this.onClose(frame as Frame.Close);
  }

  private onData(frame: Frame.Text | Frame.Binary): boolean {
    const size = frame.byteLength;
    if (this.fragments === null) {
      if (frame.fin) {
        if (size > this.maxMessageSize) return this.tooBig(size);
        if (frame instanceof Frame.Text && !isValidUtf8(frame.data)) return this.invalidUtf8();
        return this.deliver(frame);
      }
      this.fragments = [];
      this.fragmentBytes = 0;
      this.fragmentFirst = frame;
    }
    this.fragmentBytes += size;
    if (this.fragmentBytes > this.maxMessageSize) return this.tooBig(this.fragmentBytes);
    this.fragments.push(frame.data);
    if (frame instanceof Frame.Text) {
      const utf8 = (this.utf8 ??= new Utf8Validator());
      if (!utf8.push(frame.data) || (frame.fin && !utf8.complete)) return this.invalidUtf8();
    }
    if (!frame.fin) return true;
    const first = this.fragmentFirst!;
    const data = concat(this.fragments, this.fragmentBytes);
    this.fragments = null;
    this.fragmentFirst = null;
    this.utf8?.reset();
    const message =
      first instanceof Frame.Text
        ? new Frame.Text(true, data, first.rsv1, first.rsv2, first.rsv3)
        : new Frame.Binary(true, data, first.rsv1, first.rsv2, first.rsv3);
    return this.deliver(message);
  }

  private onClose(frame: Frame.Close): boolean {
    let reason: CloseReason;
    try {
      reason = frame.readReason();
    } catch (error) {
      this.fail(error as ProtocolViolationError);
      return false;
    }
    this.closeReceived = true;
    this.stopTimers();
    if (this.closeSent) {
      // Our close was answered: the handshake is complete.
      this.onCloseAnswered(reason);
      this.transport.end(this.timeoutMillis);
    } else {
      // Answer with the same code (§5.5.1) once the user has read what came before the Close.
      this.settle(reason);
      this.closeReply = reason.code === CloseReason.Codes.NO_STATUS_RECEIVED ? new Frame.Close() : new Frame.Close(reason);
      this.replyTimer = backgroundTimer(() => this.sendCloseReply(), this.timeoutMillis);
    }
    this.inbox.close();
    if (this.inbox.isEmpty) this.onIncomingDrained();
    return false;
  }

  /**
   * The peer's Close is answered after the frames before it have been taken and the code that took
   * them had its turn (a macrotask later), so an echo of the last message still goes out, as with
   * `ws`; `timeoutMillis` bounds the wait for a reader that never drains.
   */
  protected override onIncomingDrained(): void {
    if (this.closeReply !== null) afterPendingWork(DefaultWebSocketSession.sendCloseReplyOf, this);
  }

  private static sendCloseReplyOf(session: DefaultWebSocketSession): void {
    session.sendCloseReply();
  }

  private sendCloseReply(): void {
    const reply = this.closeReply;
    if (reply === null) return;
    this.closeReply = null;
    if (this.replyTimer !== null) clearTimeout(this.replyTimer);
    this.replyTimer = null;
    this.startClose(reply);
  }

  private sendPing(): void {
    if (this.isEnded || this.closeSent || this.pingInterval === null) return;
    this.writeControl(new Frame.Ping(encodeUtf8(`kite-ping ${++this.pingCount}`)));
    this.pongTimer ??= backgroundTimer(() => this.onPingTimeout(), this.timeoutMillis);
    this.pingTimer = backgroundTimer(() => this.sendPing(), this.pingInterval);
  }

  private onPingTimeout(): void {
    this.pongTimer = null;
    if (this.isEnded) return;
    const error = new PingTimeoutError(`No pong within ${this.timeoutMillis} ms`);
    this.fail(error, CloseReason.Codes.INTERNAL_ERROR);
    // The peer is presumed dead: do not wait for its answer to our Close.
    this.transport.destroy();
  }

  private tooBig(size: number): false {
    this.fail(new FrameTooBigError(`Message of ${size} bytes exceeds maxMessageSize ${this.maxMessageSize}`, size, this.maxMessageSize));
    return false;
  }

  private invalidUtf8(): false {
    this.fail(new ProtocolViolationError("Text message is not valid UTF-8", CloseReason.Codes.NOT_CONSISTENT));
    return false;
  }

  /** After the peer's Close, `close()` sends the pending answer (its code echoed) at once. */
  protected override closeWith(frame: Frame.Close): void {
    if (this.closeReply !== null) this.sendCloseReply();
    super.closeWith(frame);
  }

  protected override stopTimers(): void {
    this.clearPingTimer();
    this.clearPongTimer();
    if (this.replyTimer !== null) clearTimeout(this.replyTimer);
    this.replyTimer = null;
  }

  private clearPingTimer(): void {
    if (this.pingTimer !== null) clearTimeout(this.pingTimer);
    this.pingTimer = null;
  }

  private clearPongTimer(): void {
    if (this.pongTimer !== null) clearTimeout(this.pongTimer);
    this.pongTimer = null;
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
