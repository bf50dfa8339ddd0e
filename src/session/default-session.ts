import { WebSocketSession, type SessionInit, DEFAULT_MAX_FRAME_SIZE } from "./websocket-session.js";
import { checkByteLimit } from "./frame-limits.js";
import { Heartbeat } from "./heartbeat.js";
import { Frame } from "../protocol/frame.js";
import { Utf8Validator, isValidUtf8 } from "../protocol/utf8.js";
import { rangeError, typeError } from "../util/describe-value.js";
import { FrameTooBigError, ProtocolViolationError } from "../errors.js";
import { CloseReason } from "../protocol/close-reason.js";

/**
 * The default session (Ktor's `DefaultWebSocketSession`): answers pings, sends pings at
 * `pingIntervalMillis` and fails after `timeoutMillis` without a pong, answers the peer's Close,
 * reassembles fragmented messages into one frame, and enforces `maxMessageSize` (1009) and UTF-8
 * (1007). `incoming` carries only Text and Binary frames.
 */
// The pings are its Heartbeat (heartbeat.ts); the answer to the peer's Close is the close handshake's.
export class DefaultWebSocketSession extends WebSocketSession {
  private messageLimit = 0;
  /** Made when pings are first asked for: most idle sessions never ping, and keep none. */
  private heartbeat: Heartbeat | null = null;
  /** Fragments of the message being received, or null between messages. */
  private fragments: Uint8Array[] | null = null;
  private fragmentBytes = 0;
  private fragmentFirst: Frame | null = null;
  private utf8: Utf8Validator | null = null;

  /** @internal Sessions are made by engines (through the client's builders), the server and MockEngine. */
  constructor(init: SessionInit) {
    super(init, true);
    this.maxMessageSize = init.maxMessageSize ?? init.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
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
    return this.heartbeat?.intervalMillis ?? null;
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
    if (millis === null && this.heartbeat === null) return;
    if (this.heartbeat === null) {
      this.heartbeat = new Heartbeat(this.outbox, this.closing);
      this.closing.heartbeat = this.heartbeat;
    }
    this.heartbeat.intervalMillis = millis;
  }

  /** @internal */
  override onFrame(frame: Frame): boolean {
    // Nothing is read after the peer's Close: it ends the peer's part of the conversation (§5.5.1).
    if (this.closing.closeReceived) return false;
    if (frame instanceof Frame.Text || frame instanceof Frame.Binary) return this.onData(frame);
    if (frame instanceof Frame.Ping) {
      this.outbox.writeControl(new Frame.Pong(frame.data));
      return true;
    }
    if (frame instanceof Frame.Pong) {
      this.heartbeat?.onPong();
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

  private onClose(frame: Frame.Close): false {
    let reason: CloseReason;
    try {
      reason = frame.readReason();
    } catch (error) {
      this.closing.fail(error as ProtocolViolationError);
      return false;
    }
    this.closing.onCloseReceived(reason);
    return false;
  }

  private tooBig(size: number): false {
    this.closing.fail(new FrameTooBigError(`Message of ${size} bytes exceeds maxMessageSize ${this.maxMessageSize}`, size, this.maxMessageSize));
    return false;
  }

  private invalidUtf8(): false {
    this.closing.fail(new ProtocolViolationError("Text message is not valid UTF-8", CloseReason.Codes.NOT_CONSISTENT));
    return false;
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
