import { Frame, bytesOf, type BinaryData } from "../protocol/frame.js";
import type { NegotiatedExtension } from "../extensions/extension.js";
import { typeError } from "../util/describe-value.js";
import { checkStreamableSession, closeForAbort, connectionOf, failureOf, type StreamableSession } from "./stream-session.js";

/** A message as the readable gives it: a Text message as a string, a Binary one as its bytes. */
export type StreamMessage = string | Uint8Array;

/** What the writable takes: a string (a Text message) or bytes (a Binary message of exactly those bytes). */
export type StreamWritable = string | BinaryData;

/**
 * A session as a pair of WHATWG streams, in the shape of `WebSocketStream`'s `opened`
 * (`{ readable, writable, protocol, extensions }`); see `toStreams`.
 */
export interface WebSocketStreams {
  /** The peer's messages: a string per Text message, a `Uint8Array` per Binary one. */
  readonly readable: ReadableStream<StreamMessage>;
  /** Messages to the peer: a string is sent as Text, an `ArrayBuffer` or any view of one as Binary. */
  readonly writable: WritableStream<StreamWritable>;
  /**
   * The subprotocol the server chose, or null (WebSocketStream says ""). For a reconnecting session,
   * the open connection's, read when asked.
   */
  readonly protocol: string | null;
  /** The extensions agreed in the handshake (WebSocketStream gives the header's text); as `protocol`, the open connection's. */
  readonly extensions: readonly NegotiatedExtension[];
}

/**
 * The session's messages as a `ReadableStream` and a `WritableStream`, for `pipeTo`, `pipeThrough`
 * and every API that speaks Web Streams. Works in every runtime kite-ws runs in, on any session but a
 * raw one: a client's on any engine, a server's, MockEngine's, and a `ReconnectingWebSocketSession`.
 *
 * - Backpressure both ways. The readable takes a message from `incoming` only when its reader asks
 *   (its high-water mark is 0), so a reader that stops reading fills `incoming` and the session stops
 *   reading the socket, which slows the peer through TCP. A write resolves once the message is in
 *   `outgoing`, so it waits while `outgoing` is full.
 * - The readable ends when the session closes (a close handshake either way, `close()` or
 *   `terminate()`), and errors with what failed it otherwise: `ConnectionClosedError`,
 *   `PingTimeoutError`, `ProtocolViolationError`, `FrameTooBigError`, `CloseTimeoutError`, ...
 *   Cancelling it closes the session as `abort(reason)` does.
 * - A write after the session closed rejects with `ClosedSendChannelError` (its `cause` is the
 *   failure, if any), and the writable errors. A chunk that is not a string, an `ArrayBuffer` or an
 *   `ArrayBufferView` rejects with a `TypeError` and errors the writable (the session and the readable
 *   go on). Bytes are copied when written, as WebSocketStream does, so the caller may reuse its buffer
 *   once `write()` resolves.
 * - `writable.close()` closes the session with 1000 and resolves when it has ended; the readable goes
 *   on with what the peer sends until its Close (read it, or the close waits for `timeoutMillis`).
 * - `writable.abort(reason)` and `readable.cancel(reason)` close the session: a `CloseReason` as it
 *   is, `{ closeCode, reason }` (WHATWG's `WebSocketError`) with that code, nothing with 1000, and
 *   anything else (an `Error`) with 1011 and no reason text, so no error message reaches the peer. A
 *   code a Close frame may not carry closes with 1011 and rejects with the `RangeError`.
 * - On a `ReconnectingWebSocketSession` the streams live as long as the session, across its
 *   connections: the readable goes on with the next connection's messages, writes wait in the replay
 *   queue while disconnected (and reject when it is full), and the readable ends or errors only when
 *   the session itself ends.
 *
 * Take the streams once per session: both read and write the session's own channels.
 *
 * @example
 * const { readable, writable } = toStreams(await client.webSocketSession("ws://127.0.0.1:8080/echo"));
 * await readable.pipeThrough(new TransformStream({ transform: (m, c) => c.enqueue(String(m).toUpperCase()) })).pipeTo(writable);
 */
export function toStreams(session: StreamableSession): WebSocketStreams {
  const checked = checkStreamableSession(session, "toStreams(session): session");
  const readable = new ReadableStream<StreamMessage>(
    {
      pull: (controller) => pullMessage(checked, controller),
      cancel: (reason) => closeForAbort(checked, reason),
    },
    { highWaterMark: 0 },
  );
  const writable = new WritableStream<StreamWritable>(
    {
      write: (chunk) => checked.send(copyOf(chunk)),
      close: () => checked.close(),
      abort: (reason) => closeForAbort(checked, reason),
    },
    { highWaterMark: 1 },
  );
  return {
    readable,
    writable,
    get protocol() {
      return connectionOf(checked).protocol;
    },
    get extensions() {
      return connectionOf(checked).extensions;
    },
  };
}

/** Enqueues the next message; closes or errors the readable when `incoming` ends. */
async function pullMessage(session: StreamableSession, controller: ReadableStreamDefaultController<StreamMessage>): Promise<void> {
  const incoming = session.incoming;
  for (;;) {
    let frame = incoming.tryReceive();
    if (frame === undefined) {
      try {
        frame = await incoming.receive();
      } catch (error) {
        const failure = failureOf(error);
        if (failure === null) controller.close();
        else controller.error(failure);
        return;
      }
    }
    if (!frame.fin) {
      controller.error(new TypeError("toStreams(session): the session delivered a fragment of a message; streams carry whole messages"));
      return;
    }
    // Control frames are not messages (a session wrapped by the user may pass them on).
    if (frame instanceof Frame.Text) return controller.enqueue(frame.readText());
    // A plain Uint8Array in every runtime and engine (CIO's payloads are Buffers), as WebSocketStream gives.
    if (frame instanceof Frame.Binary) return controller.enqueue(plainBytes(frame.data));
  }
}

function plainBytes(data: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(data) === Uint8Array.prototype ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A chunk as `send` takes it, bytes copied; a `TypeError` for anything else. */
function copyOf(chunk: unknown): StreamWritable {
  if (typeof chunk === "string") return chunk;
  const bytes = bytesOf(chunk);
  if (bytes === null) {
    throw typeError("toStreams(session).writable.write(chunk): chunk", "a string, an ArrayBuffer or an ArrayBufferView (Uint8Array, Buffer, DataView, ...)", chunk);
  }
  return bytes.slice();
}
