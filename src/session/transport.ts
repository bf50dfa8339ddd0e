import type { Frame } from "../protocol/frame.js";

/**
 * What a session is told by the transport beneath it. An engine's transport calls these; a session
 * (`WebSocketSession`) implements them.
 */
export interface FrameSink {
  /** A frame arrived. Returning false asks the transport to deliver no more until `resume()`. */
  onFrame(frame: Frame): boolean;
  /** The peer broke the framing rules (`ProtocolViolationError`, `FrameTooBigError`); nothing more will arrive. */
  onProtocolError(error: Error): void;
  /** The transport can take writes again after `write` returned false. */
  onDrain(): void;
  /** The connection is gone; `error` says why when it failed (a reset, a TLS error). */
  onClosed(error: Error | null): void;
}

/**
 * How a session moves frames: implemented by each engine over its own connection (a socket with a
 * frame parser and serializer, or a runtime `WebSocket`), and handed to the session as
 * `EngineConnection.transport`. The session holds the policy (pings, the close handshake, limits);
 * the transport only moves frames. A third-party engine implements this.
 */
export interface FrameTransport {
  /** Whether outgoing frames are masked (a client's transport) or not (a server's). */
  readonly masking: boolean;
  /** Largest frame the transport accepts from the peer; settable on a live session. */
  maxFrameSize: number;
  /**
   * Largest message the default session accepts, which it keeps up to date here. A transport that
   * expands what it receives (a negotiated permessage-deflate) stops expanding a message past it;
   * others may ignore it.
   */
  maxMessageSize?: number;
  /**
   * Throws (an `EngineCapabilityError`) when this transport cannot send `frame` at all, e.g. a ping
   * over a runtime's `WebSocket`. Called when the frame is queued, so its sender gets the error.
   * Optional: a transport that can send every frame has none.
   */
  checkWritable?(frame: Frame): void;
  /** Starts delivering to `sink`. Called once. */
  start(sink: FrameSink): void;
  /** Writes frames in order, in as few writes as possible. False when its buffer is full: wait for `onDrain`. */
  write(frames: readonly Frame[]): boolean;
  /** Stops delivering frames (and reading from the peer) until `resume()`. */
  pause(): void;
  /** Delivers frames again after `pause()`. */
  resume(): void;
  /** Resolves when everything written so far has been handed to the operating system. */
  flushed(): Promise<void>;
  /**
   * Ends the connection after the writes so far: at once on a server, after the peer has closed (or a
   * timeout of `graceMillis`) on a client, as RFC 6455 §7.1.1 asks. `onClosed` follows.
   */
  end(graceMillis: number): void;
  /** Closes the connection now, dropping unwritten data. `onClosed` follows. */
  destroy(): void;
}
