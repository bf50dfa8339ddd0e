import type { Frame } from "../protocol/frame.js";

/**
 * What a session is told by the transport beneath it: a transport calls these, a session implements
 * them. Calls come in the order things happened on the connection: frames in the order they arrived,
 * and `onClosed` last.
 */
export interface FrameSink {
  /**
   * A frame arrived: a data frame (or fragment) as the peer sent it, or a whole message with
   * `fin = true` where the runtime hands over messages; a control frame, including the peer's Close.
   * The session may keep the frame (it reaches the user): the transport must not reuse its bytes.
   * Returning false asks the transport to deliver no more, and to stop reading from the peer where it
   * can (so a slow reader slows the peer through TCP), until `resume()`.
   */
  onFrame(frame: Frame): boolean;
  /**
   * The peer broke the framing rules (`ProtocolViolationError`, or `FrameTooBigError` for a frame over
   * `maxFrameSize`); the error's `closeCode` is the code the session closes with. Nothing more is
   * delivered after it.
   */
  onProtocolError(error: Error): void;
  /** The transport can take writes again after `write` returned false. */
  onDrain(): void;
  /**
   * The connection is gone; `error` says why when it failed (a reset, a TLS error). Called once, last,
   * and never from inside a call the session made into the transport.
   */
  onClosed(error: Error | null): void;
}

/**
 * How a session moves frames over one connection. Each engine implements it over what it has (a socket
 * with a frame parser and serializer, a runtime's `WebSocket`) and hands it to the session in
 * `EngineConnection.transport`. The transport only moves frames; the session holds the policy: pings
 * and their deadline, the close handshake and its deadline, message limits and reassembly, and when to
 * stop reading.
 *
 * A third-party engine implements this and nothing else of the session's:
 * - it is made once the opening handshake is done, and may buffer what arrives until `start`;
 * - it delivers with `sink.onFrame` until the sink returns false, then stops reading and waits for
 *   `resume()`;
 * - it writes what `write` is given, in order, masked when `masking` is true, and says when its buffer
 *   is full (return false, then `onDrain`);
 * - it reports the peer's Close as a `Frame.Close` through `onFrame`, then the end of the connection
 *   through `onClosed`, exactly once, whatever ended it (`end`, `destroy`, the peer, a network error).
 *
 * The session may call `write`, `end` and `destroy` from inside `onFrame` and
 * `onProtocolError` (answering a ping, failing the connection): a transport must allow that. It never
 * calls `resume` from there.
 */
export interface FrameTransport {
  /**
   * Where the layers above the session write lines about this connection (calls of `kite-ws/rpc`),
   * when a logger watches it (the Logging plugin's transport); absent otherwise.
   */
  readonly lineLog?: (line: string) => void;
  /** Whether outgoing frames are masked: true on a client's transport, false on a server's (RFC 6455 §5.3). */
  readonly masking: boolean;
  /**
   * Largest frame payload accepted from the peer, in bytes. The session may change it on a live
   * connection: it applies from the next frame. A bigger frame is reported with `onProtocolError` and a
   * `FrameTooBigError` (1009), before its payload is buffered where the transport can tell that early.
   * The session also checks its own frames against it before they are queued.
   */
  maxFrameSize: number;
  /**
   * Largest message the default session accepts, which it keeps up to date here. A transport that
   * expands what it receives (a negotiated permessage-deflate) stops expanding a message past it;
   * others may ignore it.
   */
  maxMessageSize?: number;
  /**
   * Throws (an `EngineCapabilityError`) when this transport cannot send `frame` at all, e.g. a ping
   * over a runtime's `WebSocket`. The session calls it when a frame is queued, so its sender gets the
   * error. Optional: a transport that can send every frame has none.
   */
  checkWritable?(frame: Frame): void;
  /**
   * Starts delivering to `sink`: called once, soon after the session is made. Frames that arrived
   * before (with the handshake response, say) are delivered from here on; a connection that is
   * already gone is reported with `onClosed`, asynchronously.
   */
  start(sink: FrameSink): void;
  /**
   * Writes frames in order, in as few writes as possible. Frames of a fragmented message come with
   * their first frame's type and `fin = false`, then `fin = true` on the last; the transport writes the
   * later ones as continuations. The frames' bytes stay the caller's: the transport must not change
   * them. Returns false when its buffer is full: the frames are taken, and the session writes nothing
   * more but control frames until `onDrain`. Once the connection is gone, writes are dropped and it
   * returns true.
   */
  write(frames: readonly Frame[]): boolean;
  /** Delivers frames again after `onFrame` returned false, at once or later. */
  resume(): void;
  /** Resolves when everything written so far has been handed to the operating system (or the connection is gone). */
  flushed(): Promise<void>;
  /**
   * Ends the connection once everything written so far is out. Nothing more is delivered, but reading
   * goes on so that the peer's end is seen; `onClosed` follows when the connection is gone.
   *
   * Who closes first follows RFC 6455 §7.1.1: a server's transport closes its side at once; a client's
   * waits for the server to close first, unless `graceMillis` is 0, which the session passes when it
   * failed the connection (§7.1.7) and waits for nobody: then it closes its side at once too.
   * `graceMillis` is otherwise the time the session gives the peer. The session bounds the wait itself
   * (it calls `destroy()` when its deadline passes), so a transport needs no timer for it.
   */
  end(graceMillis: number): void;
  /** Closes the connection now, dropping unwritten data. `onClosed` follows. */
  destroy(): void;
}
