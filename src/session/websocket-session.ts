import { Channel, type ChannelConfig, type ChannelObserver, type ReceiveChannel, type SendChannel } from "./channel.js";
import { CloseHandshake, readReason } from "./close-handshake.js";
import { checkByteLimit, checkTimeoutMillis } from "./frame-limits.js";
import { OutgoingPump } from "./outgoing-pump.js";
import type { FrameTransport } from "../transport/frame-transport.js";
import {
  messageIterator,
  receiveMessage,
  sendContent,
  sendMessage,
  type MessagesOptions,
  type SendContent,
} from "../serialization/frame-conversion.js";
import type { InferInput, InferOutput, StandardSchemaV1 } from "../serialization/standard-schema.js";
import { Frame } from "../protocol/frame.js";
import { CloseReason, closeReasonOf } from "../protocol/close-reason.js";
import type { WebSocketContentConverter } from "../serialization/converter.js";
import type { NegotiatedExtension } from "../extensions/extension.js";
import { soon } from "../util/scheduling.js";
import { ChannelOverflowError, abortError, type HandshakeResponse } from "../errors.js";

/** Everything a session is made of; the engine's part is only the transport. */
export interface SessionInit {
  readonly transport: FrameTransport;
  readonly protocol?: string | null;
  readonly response?: HandshakeResponse | null;
  readonly extensions?: readonly NegotiatedExtension[];
  readonly converter?: WebSocketContentConverter | null;
  readonly channels?: { readonly incoming?: ChannelConfig; readonly outgoing?: ChannelConfig };
  readonly maxFrameSize?: number;
  readonly maxMessageSize?: number;
  readonly pingIntervalMillis?: number | null;
  readonly timeoutMillis?: number;
}

export const DEFAULT_MAX_FRAME_SIZE = 100 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MILLIS = 15_000;
export const DEFAULT_CHANNEL: ChannelConfig = Object.freeze({ capacity: 64, onOverflow: "suspend" });
/** Received bytes waiting in `incoming` before the socket stops reading (at least one frame always fits). */
const INCOMING_BYTE_BUDGET = 4 * 1024 * 1024;

/** Reading from the connection: on; paused while `incoming` is full; or to be resumed, once the user's call is done. */
const READING = 0;
const PAUSED = 1;
const RESUMING = 2;

/**
 * A WebSocket session over any engine: `incoming` and `outgoing` channels with backpressure down to
 * the connection. This class is the raw session (Ktor's `WebSocketSession`): every frame reaches
 * `incoming`, and nothing is answered for you. `DefaultWebSocketSession` adds the protocol's
 * automatic parts.
 */
// Made of named parts: `outgoing` and what writes it (outgoing-pump.ts), the close handshake and what
// the session reports at its end (close-handshake.ts); `incoming` and read backpressure are here.
export class WebSocketSession implements AsyncDisposable {
  /** Frames from the peer. Ends (or throws, after a failure) when the session closes. */
  get incoming(): ReceiveChannel<Frame> {
    return this.inbox;
  }

  /** Frames to the peer; `send` waits while it is full. */
  get outgoing(): SendChannel<Frame> {
    return this.outbox;
  }

  /** The subprotocol the server chose, or null. */
  readonly protocol: string | null;
  /** The handshake response (status 101 and its headers), or null where the engine cannot see it. */
  readonly response: HandshakeResponse | null;
  /** Extensions agreed in the handshake. */
  readonly extensions: readonly NegotiatedExtension[];
  /** The converter for `sendSerialized` / `receiveDeserialized`, or null. */
  readonly converter: WebSocketContentConverter | null;
  /**
   * Resolves with the reason the session closed: the close handshake's, or 1006 when there was none.
   * The same promise on every read; made on the first (an idle session that nobody asks keeps none).
   */
  get closeReason(): Promise<CloseReason | null> {
    return this.closing.reason;
  }

  /** Deadline of the close handshake and of a pong, in milliseconds; read-write on a live session. */
  get timeoutMillis(): number {
    return this.closing.timeoutMillis;
  }

  /** Applies to deadlines started from now on; a `TypeError` / `RangeError` unless a positive, finite number. */
  set timeoutMillis(millis: number) {
    this.closing.timeoutMillis = checkTimeoutMillis(millis);
  }

  /** @internal */
  protected readonly transport: FrameTransport;
  /** @internal */
  protected readonly inbox: Channel<Frame>;
  /** @internal */
  protected readonly outbox: OutgoingPump;
  /** @internal */
  protected readonly closing: CloseHandshake;
  private readonly incomingCapacity: number;
  /** Bytes of the frames waiting in `incoming`. */
  private queuedBytes = 0;
  private reading = READING;

  private static readonly INBOX_OBSERVER: ChannelObserver<Frame> = {
    onTaken: (owner, frame) => (owner as WebSocketSession).onIncomingTaken(frame),
  };

  /**
   * @internal Sessions are made by engines (through the client's builders), the server and MockEngine.
   * `answersPeer`: the default session's close handshake answers the peer's Close by itself.
   */
  constructor(init: SessionInit, answersPeer = false) {
    this.transport = init.transport;
    this.protocol = init.protocol ?? null;
    this.response = init.response ?? null;
    this.extensions = init.extensions ?? [];
    this.converter = init.converter ?? null;
    const incoming = init.channels?.incoming ?? DEFAULT_CHANNEL;
    this.incomingCapacity = incoming.capacity;
    this.inbox = new Channel<Frame>(incoming);
    // A shared observer, told which session: no closure per session.
    this.inbox.observer = WebSocketSession.INBOX_OBSERVER;
    this.inbox.owner = this;
    // RFC 6455 §5.2: RSV bits stay 0 unless a negotiated extension defines them.
    this.outbox = new OutgoingPump(this.transport, init.channels?.outgoing ?? DEFAULT_CHANNEL, this.extensions.length > 0);
    this.closing = new CloseHandshake(this.transport, this.outbox, this.inbox, init.timeoutMillis ?? DEFAULT_TIMEOUT_MILLIS, answersPeer);
    if (init.maxFrameSize !== undefined) this.transport.maxFrameSize = init.maxFrameSize;
    // Started once construction is complete: the transport may deliver frames that came with the
    // handshake response at once, and a subclass's fields (DefaultWebSocketSession's fragment state)
    // do not exist until its own constructor has run.
    queueMicrotask(() => this.transport.start(this));
  }

  /** @internal Where layers above write lines about this connection when the Logging plugin logs it, else null. */
  get lineLog(): ((line: string) => void) | null {
    return this.transport.lineLog ?? null;
  }

  /** Whether this side masks what it sends: true on a client, false on a server. */
  get masking(): boolean {
    return this.transport.masking;
  }

  /** Largest frame accepted from the peer or sent to it, in bytes. */
  get maxFrameSize(): number {
    return this.transport.maxFrameSize;
  }

  /**
   * Applies from the next frame on; a `TypeError` / `RangeError` unless a whole number >= 1. Over the
   * `ws` engine it may only be lowered (ws fixed its limit when it connected): raising it throws
   * `EngineCapabilityError`.
   */
  set maxFrameSize(bytes: number) {
    this.transport.maxFrameSize = checkByteLimit(bytes, "maxFrameSize");
  }

  /**
   * Sends text (a Text frame), bytes (an `ArrayBuffer` or any view of one, such as a `Uint8Array`,
   * `Buffer` or `DataView`: a Binary frame of its exact bytes) or a frame; waits while `outgoing` is
   * full. Anything else rejects with a `TypeError`, and the session stays usable.
   */
  send(content: SendContent): Promise<void> {
    return sendContent(this.outbox, content);
  }

  /** Serializes `value` with the configured converter and sends it. */
  sendSerialized(value: unknown): Promise<void>;
  /**
   * Checks `value` against `schema` (any Standard Schema: zod, valibot, arktype, ...), then serializes
   * and sends it. The value is sent as given, not the schema's output (defaults and transforms are not
   * applied, unknown keys are not stripped): the wire carries the schema's input, so the peer can check
   * it with the same schema. An invalid value rejects with `SchemaValidationError` (`frame` null) and
   * nothing is sent. With an asynchronous schema the message is queued once validation ends: await the
   * call before the next send when the order matters.
   */
  sendSerialized<S extends StandardSchemaV1>(value: InferInput<S>, schema: S): Promise<void>;
  sendSerialized(value: unknown, schema?: StandardSchemaV1): Promise<void> {
    return sendMessage(this.converter, this.outbox, value, schema);
  }

  /**
   * Receives the next frame and deserializes it with the configured converter. A frame that does not
   * parse rejects with `DeserializationError` (carrying the frame); the session stays usable.
   */
  receiveDeserialized<T = unknown>(): Promise<T>;
  /**
   * Receives the next frame, deserializes it and checks it against `schema` (any Standard Schema,
   * synchronous or not), giving the schema's output. A message that fails rejects with
   * `SchemaValidationError` (with the issues and the frame); the session stays usable.
   */
  receiveDeserialized<S extends StandardSchemaV1>(schema: S): Promise<InferOutput<S>>;
  receiveDeserialized(schema?: StandardSchemaV1): Promise<unknown> {
    return receiveMessage(this.converter, this.inbox, schema);
  }

  /**
   * The messages of `incoming` as deserialized values, for `for await`. It ends when `incoming` ends
   * and throws what `incoming` throws. A message that does not deserialize rejects `next()` with
   * `DeserializationError`, unless `options.onInvalid` takes it and the iterator skips it.
   */
  messages<T = unknown>(schema?: null, options?: MessagesOptions): AsyncIterableIterator<T>;
  /**
   * The messages of `incoming`, deserialized and checked against `schema` (any Standard Schema), as
   * the schema's output, for `for await`. It ends when `incoming` ends and throws what `incoming`
   * throws. A message that fails rejects `next()` with `SchemaValidationError` (a new `messages()` goes
   * on after it), unless `options.onInvalid` takes it and the iterator skips it.
   */
  messages<S extends StandardSchemaV1>(schema: S, options?: MessagesOptions): AsyncIterableIterator<InferOutput<S>>;
  messages(schema?: StandardSchemaV1 | null, options?: MessagesOptions): AsyncIterableIterator<unknown> {
    return messageIterator(this.converter, this.inbox, schema, options);
  }

  /** Resolves when every frame queued so far has been handed to the operating system. */
  flush(): Promise<void> {
    return this.outbox.flush();
  }

  /**
   * Sends a Close frame after what is queued and waits for the connection to end (at most
   * `timeoutMillis`, then it is cut, and `incoming` fails with `CloseTimeoutError`). Later calls wait
   * for the same close. `reason` defaults to 1000 (NORMAL); its message is cut to 123 bytes of UTF-8.
   * A code that a Close frame may not carry (1005, 1006, 1015, ...) rejects with a `RangeError`.
   */
  close(reason?: CloseReason): Promise<void>;
  /**
   * `close(code, reason)` as `WebSocket.close` takes them: `code` 1000 or 3000–4999, `reason` at most
   * 123 bytes of UTF-8; a `RangeError` / `TypeError` otherwise (other codes: `close(new CloseReason(code))`).
   */
  close(code: number, reason?: string): Promise<void>;
  close(reasonOrCode?: CloseReason | number, message?: string): Promise<void> {
    let frame: Frame.Close;
    try {
      frame = new Frame.Close(closeReasonOf(reasonOrCode, message));
    } catch (error) {
      return Promise.reject(error);
    }
    this.closing.close(frame);
    return this.closing.whenEnded();
  }

  /** Cuts the connection now: no close handshake, queued frames dropped, closeReason 1006. */
  terminate(): void {
    this.closing.terminate();
  }

  /** @internal Ends the session because its AbortSignal fired: Close 1001 if possible, then the connection is cut. */
  abort(reason: unknown): void {
    const error = abortError(reason);
    this.closing.fail(error, CloseReason.Codes.GOING_AWAY);
  }

  /** `await using session = ...`: `close()` (1000, with the close handshake) when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // --- What the transport tells the session (a FrameSink, kept out of the public type) ---

  /** @internal Every frame reaches `incoming`; the peer's Close also moves the close handshake on. */
  onFrame(frame: Frame): boolean {
    if (frame instanceof Frame.Close) this.closing.onCloseReceived(readReason(frame));
    return this.deliver(frame);
  }

  /** @internal */
  onProtocolError(error: Error): void {
    this.closing.failAfterDelivered(error);
  }

  /** @internal */
  onDrain(): void {
    this.outbox.onDrain();
  }

  /** @internal */
  onClosed(error: Error | null): void {
    this.closing.onEnded(error);
  }

  // --- incoming, and read backpressure ---

  /** @internal Puts a frame into `incoming`; false when the transport should stop reading for now. */
  protected deliver(frame: Frame): boolean {
    this.queuedBytes += frame.byteLength;
    this.inbox.push(frame);
    if (this.inbox.size >= this.incomingCapacity || this.queuedBytes >= INCOMING_BYTE_BUDGET) {
      if (this.inbox.onOverflow === "close" && this.inbox.size >= this.incomingCapacity) {
        this.closing.fail(new ChannelOverflowError(`incoming channel is full (capacity ${this.incomingCapacity})`), CloseReason.Codes.VIOLATED_POLICY);
        return false;
      }
      this.reading = PAUSED;
      return false;
    }
    return true;
  }

  /**
   * The user took a frame from `incoming`. Reading resumes once half the room is free again, after the
   * user's call (never inside it: resuming parses buffered bytes and delivers frames).
   */
  private onIncomingTaken(frame: Frame): void {
    this.queuedBytes -= frame.byteLength;
    if (this.reading === PAUSED && this.inbox.size <= this.incomingCapacity / 2 && this.queuedBytes <= INCOMING_BYTE_BUDGET / 2) {
      this.reading = RESUMING;
      soon(WebSocketSession.resumeReading, this);
    }
    if (this.inbox.isEmpty) this.closing.onIncomingDrained();
  }

  private static resumeReading(session: WebSocketSession): void {
    // A frame delivered meanwhile (an extension's decode finishing) may have filled `incoming` again.
    if (session.reading !== RESUMING) return;
    session.reading = READING;
    session.transport.resume();
  }
}
