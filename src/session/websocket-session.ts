import { Channel, type ChannelConfig, type ChannelObserver, type ReceiveChannel, type SendChannel } from "./channel.js";
import type { FrameTransport } from "../transport/frame-transport.js";
import {
  checkFrame,
  messageIterator,
  receiveMessage,
  sendContent,
  sendMessage,
  type MessagesOptions,
  type SendContent,
} from "../serialization/frame-conversion.js";
import type { InferInput, InferOutput, StandardSchemaV1 } from "../serialization/standard-schema.js";
import { Frame } from "../protocol/frame.js";
import { CloseReason, closeReasonOf, truncateUtf8, MAX_CLOSE_MESSAGE_BYTES } from "../protocol/close-reason.js";
import { isControlOpcode } from "../protocol/frame-type.js";
import type { WebSocketContentConverter } from "../serialization/converter.js";
import type { NegotiatedExtension } from "../extensions/extension.js";
import { backgroundTimer } from "../util/timers.js";
import { afterPendingWork, hasEndOfTurn, soon } from "../util/scheduling.js";
import { rangeError, typeError } from "../util/describe-value.js";
import {
  ChannelOverflowError,
  CloseTimeoutError,
  ConnectionClosedError,
  FrameTooBigError,
  WebSocketError,
  type HandshakeResponse,
} from "../errors.js";

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
/** Bytes handed to the transport in one write when many frames are queued. */
const BATCH_BYTES = 256 * 1024;
/**
 * Staged bytes (see flushNow) written without waiting for the turn's end: enough for hundreds of small
 * frames per write, small enough that the peer starts on them while we produce the rest.
 */
const STAGE_BYTES = 16 * 1024;

/**
 * A WebSocket session over any engine: `incoming` and `outgoing` channels with backpressure down to
 * the connection. This class is the raw session (Ktor's `WebSocketSession`): every frame reaches
 * `incoming`, and nothing is answered for you. `DefaultWebSocketSession` adds the protocol's
 * automatic parts.
 */
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
    if (this.closeReasonPromise === null) {
      this.closeReasonPromise = this.closeReasonSettled
        ? Promise.resolve(this.settledReason)
        : new Promise((resolve) => (this.resolveCloseReason = resolve));
    }
    return this.closeReasonPromise;
  }

  /** Deadline of the close handshake and of a pong, in milliseconds; read-write on a live session. */
  get timeoutMillis(): number {
    return this.timeout;
  }

  /** Applies to deadlines started from now on; a `TypeError` / `RangeError` unless a positive, finite number. */
  set timeoutMillis(millis: number) {
    this.timeout = checkTimeoutMillis(millis);
  }

  private timeout: number;

  protected readonly transport: FrameTransport;
  protected readonly inbox: Channel<Frame>;
  protected readonly outbox: Channel<Frame>;
  private readonly incomingCapacity: number;
  private queuedBytes = 0;
  private readingPaused = false;
  private flushScheduled = false;
  private writeBlocked = false;
  /**
   * Frames taken from `outgoing` to let a held-back sender go on, written at the end of this turn
   * (see flushNow); null when none are waiting.
   */
  private staged: Frame[] | null = null;
  private stagedBytes = 0;
  private endOfTurnScheduled = false;
  private flushWaiters: (() => void)[] | null = null;
  /** A Close frame to write once everything queued before it is written. */
  protected pendingClose: Frame.Close | null = null;
  protected closeSent = false;
  protected closeReceived = false;
  private ended = false;
  private closeReasonSettled = false;
  private closeReasonPromise: Promise<CloseReason | null> | null = null;
  private resolveCloseReason: ((reason: CloseReason | null) => void) | null = null;
  /** What `closeReason` resolves with, once settled. */
  private settledReason: CloseReason | null = null;
  private closedWaiters: (() => void)[] | null = null;
  private closeTimer: ReturnType<typeof setTimeout> | null = null;
  /** Set when the close timer cut the connection, so the failure says the handshake timed out. */
  private closeTimedOut = false;
  /** The reason of the Close we sent, reported once the peer answers it. */
  private sentCloseReason: CloseReason | null = null;

  private static readonly INBOX_OBSERVER: ChannelObserver<Frame> = {
    onTaken: (owner, frame) => (owner as WebSocketSession).onIncomingTaken(frame),
  };

  private static readonly OUTBOX_OBSERVER: ChannelObserver<Frame> = {
    onAdded: (owner) => (owner as WebSocketSession).scheduleFlush(),
    validate: (owner, frame) => (owner as WebSocketSession).checkOutgoing(frame),
  };

  /** @internal Sessions are made by engines (through the client's builders), the server and MockEngine. */
  constructor(init: SessionInit) {
    this.transport = init.transport;
    this.protocol = init.protocol ?? null;
    this.response = init.response ?? null;
    this.extensions = init.extensions ?? [];
    this.converter = init.converter ?? null;
    this.timeout = init.timeoutMillis ?? DEFAULT_TIMEOUT_MILLIS;
    const incoming = init.channels?.incoming ?? DEFAULT_CHANNEL;
    this.incomingCapacity = incoming.capacity;
    this.inbox = new Channel<Frame>(incoming);
    this.outbox = new Channel<Frame>(init.channels?.outgoing ?? DEFAULT_CHANNEL);
    // Shared observers, told which session: no closures per session.
    this.inbox.observer = WebSocketSession.INBOX_OBSERVER;
    this.inbox.owner = this;
    this.outbox.observer = WebSocketSession.OUTBOX_OBSERVER;
    this.outbox.owner = this;
    if (init.maxFrameSize !== undefined) this.transport.maxFrameSize = init.maxFrameSize;
    // Started once construction is complete: the transport may deliver frames that came with the
    // handshake response at once, and a subclass's fields (DefaultWebSocketSession's fragment state)
    // do not exist until its own constructor has run.
    queueMicrotask(() => this.transport.start(this));
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
  async flush(): Promise<void> {
    if (!this.outbox.isEmpty || this.writeBlocked || this.flushScheduled || this.staged !== null) {
      await new Promise<void>((resolve) => (this.flushWaiters ??= []).push(resolve));
    }
    await this.transport.flushed();
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
    this.closeWith(frame);
    return this.whenClosed();
  }

  /** Cuts the connection now: no close handshake, queued frames dropped, closeReason 1006. */
  terminate(): void {
    if (this.ended) return;
    this.settle(new CloseReason(CloseReason.Codes.CLOSED_ABNORMALLY, "Terminated"));
    this.inbox.close();
    this.outbox.cancel();
    this.dropStaged();
    this.transport.destroy();
  }

  /** @internal Ends the session because its AbortSignal fired: Close 1001 if possible, then the connection is cut. */
  abort(reason: unknown): void {
    const error = reason instanceof Error ? reason : new WebSocketError(`Aborted: ${String(reason)}`, { code: "KITE_ERR_ABORTED" });
    this.fail(error, CloseReason.Codes.GOING_AWAY);
  }

  /** `await using session = ...`: `close()` (1000, with the close handshake) when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // --- What the transport tells the session (a FrameSink, kept out of the public type) ---

  /** @internal */
  onFrame(frame: Frame): boolean {
    if (frame instanceof Frame.Close) {
      this.closeReceived = true;
      this.rememberPeerClose(frame);
    }
    return this.deliver(frame);
  }

  /** @internal */
  onProtocolError(error: Error): void {
    this.fail(error);
  }

  /** @internal */
  onDrain(): void {
    this.writeBlocked = false;
    this.flushNow();
  }

  /** @internal */
  onClosed(error: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    this.clearCloseTimer();
    this.stopTimers();
    const clean = this.closeSent && this.closeReceived;
    if (!clean) {
      const failure = this.closeTimedOut
        ? new CloseTimeoutError(`The close handshake timed out after ${this.timeout} ms: the peer did not answer our Close frame`, this.timeout)
        : new ConnectionClosedError(
            error ? `Connection lost: ${error.message}` : "Connection closed without a close handshake",
            error ? { cause: error } : undefined,
          );
      this.settle(new CloseReason(CloseReason.Codes.CLOSED_ABNORMALLY, this.closeTimedOut ? failure.message : (error?.message ?? "")));
      this.inbox.close(this.closeReceived ? undefined : failure);
      this.outbox.cancel(failure);
    } else {
      this.settle(null);
      this.inbox.close();
      this.outbox.cancel();
    }
    this.settleFlushWaiters();
    const waiters = this.closedWaiters;
    this.closedWaiters = null;
    if (waiters) for (const resolve of waiters) resolve();
  }

  // --- for subclasses ---

  /** Puts a frame into `incoming`; false when the transport should stop reading for now. */
  protected deliver(frame: Frame): boolean {
    this.queuedBytes += frame.byteLength;
    this.inbox.push(frame);
    if (this.inbox.size >= this.incomingCapacity || this.queuedBytes >= INCOMING_BYTE_BUDGET) {
      if (this.inbox.onOverflow === "close" && this.inbox.size >= this.incomingCapacity) {
        this.fail(new ChannelOverflowError(`incoming channel is full (capacity ${this.incomingCapacity})`), CloseReason.Codes.VIOLATED_POLICY);
        return false;
      }
      this.readingPaused = true;
      return false;
    }
    return true;
  }

  /** Remembers the peer's reason so `closeReason` reports it. */
  protected rememberPeerClose(frame: Frame.Close): void {
    let reason: CloseReason | null = null;
    try {
      reason = frame.readReason();
    } catch {
      // A raw session hands the malformed frame to the user; the reason stays unknown.
    }
    if (this.closeSent) this.onCloseAnswered(reason);
    else if (reason !== null) this.settle(reason);
  }

  /** The peer answered our Close: the closing handshake is complete, and reports the reason we sent. */
  protected onCloseAnswered(peerReason: CloseReason | null): void {
    this.settle(this.sentCloseReason ?? peerReason);
  }

  /** What `close()` does with its checked reason; the default session first answers a peer's Close. */
  protected closeWith(frame: Frame.Close): void {
    this.startClose(frame);
  }

  /** Queues `frame` to go after everything already in `outgoing`, and closes `outgoing` to new sends. */
  protected startClose(frame: Frame.Close): void {
    if (this.closeSent || this.pendingClose !== null || this.ended) return;
    this.pendingClose = frame;
    this.outbox.close();
    this.scheduleFlush();
    // Bounded from now, not from when the frame is written: a peer that stops reading must not hang close().
    this.startCloseTimer();
  }

  /** A Close frame went out: no more sends, and the close handshake is under way. */
  protected onCloseWritten(frame: Frame.Close): void {
    this.outbox.close();
    try {
      // Not settled yet: if the connection ends before the peer's Close arrives, no Close was
      // received and the session reports 1006 (RFC 6455 §7.1.5).
      if (!this.closeReceived) this.sentCloseReason = frame.readReason();
    } catch {
      // Our own raw close with an odd payload: the reason stays unknown until the connection ends.
    }
    if (this.closeReceived) {
      this.transport.end(this.timeoutMillis);
    } else {
      this.startCloseTimer();
    }
  }

  /**
   * Writes a control frame now, ahead of queued data (§5.4 lets control frames interleave). Skipped
   * while the peer is not reading our writes, so a ping flood cannot grow our buffers.
   */
  protected writeControl(frame: Frame): void {
    if (this.ended || this.closeSent || this.writeBlocked) return;
    if (!this.transport.write([frame])) this.writeBlocked = true;
  }

  /**
   * _Fail the WebSocket Connection_ (RFC 6455 §7.1.7): send a Close frame with the error's code
   * unless one was sent, stop reading, and close the connection.
   */
  protected fail(error: Error, code = (error as { closeCode?: number }).closeCode ?? CloseReason.Codes.INTERNAL_ERROR): void {
    if (this.ended) return;
    const reason = new CloseReason(code, truncateUtf8(error.message, MAX_CLOSE_MESSAGE_BYTES));
    this.settle(reason);
    this.inbox.close(error);
    this.outbox.cancel(error);
    this.dropStaged(); // with the rest of outgoing: nothing may follow the Close (§5.5.1)
    this.stopTimers();
    if (!this.closeSent) {
      this.closeSent = true;
      this.transport.write([new Frame.Close(reason)]);
    }
    this.transport.end(0);
    this.startCloseTimer();
  }

  /** Ends the session's timers; the default session has pings to stop. */
  protected stopTimers(): void {}

  /** Fixes `closeReason` (the first reason wins); null settles it as unknown when nothing was learnt. */
  protected settle(reason: CloseReason | null): void {
    if (this.closeReasonSettled) return;
    this.closeReasonSettled = true;
    this.settleCloseReason(reason);
  }

  protected get isEnded(): boolean {
    return this.ended;
  }

  protected whenClosed(): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve) => (this.closedWaiters ??= []).push(resolve));
  }

  /** Resolves `closeReason` if it was asked for, else keeps the reason for when it is. */
  private settleCloseReason(reason: CloseReason | null): void {
    this.settledReason = reason;
    const resolve = this.resolveCloseReason;
    this.resolveCloseReason = null;
    resolve?.(reason);
  }

  private startCloseTimer(): void {
    if (this.closeTimer !== null || this.ended) return;
    this.closeTimer = backgroundTimer(() => {
      this.closeTimedOut = true;
      this.transport.destroy();
    }, this.timeout);
  }

  private clearCloseTimer(): void {
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.closeTimer = null;
  }

  private onIncomingTaken(frame: Frame): void {
    this.queuedBytes -= frame.byteLength;
    if (
      this.readingPaused &&
      this.inbox.size <= this.incomingCapacity / 2 &&
      this.queuedBytes <= INCOMING_BYTE_BUDGET / 2
    ) {
      this.readingPaused = false;
      this.transport.resume();
    }
    if (this.inbox.isEmpty) this.onIncomingDrained();
  }

  /** Called when the user has taken every buffered frame; the default session answers a Close then. */
  protected onIncomingDrained(): void {}

  private checkOutgoing(frame: Frame): void {
    checkFrame(frame);
    this.transport.checkWritable?.(frame);
    const size = frame.byteLength;
    if (isControlOpcode(frame.frameType) && size > 125) {
      throw new RangeError(`A control frame's payload is at most 125 bytes, got ${size}`);
    }
    // RFC 6455 §5.2: RSV bits stay 0 unless a negotiated extension defines them.
    if ((frame.rsv1 || frame.rsv2 || frame.rsv3) && this.extensions.length === 0) {
      throw new RangeError("RSV bits may only be set by a negotiated extension, and none was agreed on this session");
    }
    if (size > this.transport.maxFrameSize) {
      throw new FrameTooBigError(`Frame of ${size} bytes exceeds maxFrameSize ${this.transport.maxFrameSize}`, size, this.transport.maxFrameSize);
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    soon(WebSocketSession.flushScheduledWrites, this);
  }

  // Shared callbacks for the schedulers above: no closure per flush.
  private static flushScheduledWrites(session: WebSocketSession): void {
    session.flushNow();
  }

  private static writeStaged(session: WebSocketSession): void {
    session.endOfTurnScheduled = false;
    session.flushNow(true);
  }

  private dropStaged(): void {
    this.staged = null;
    this.stagedBytes = 0;
  }

  /**
   * Writes what is queued: everything in `outgoing`, then a pending Close, in batches. When taking
   * frames let a sender go on that a full `outgoing` held back (a loop that awaits each `send`), the
   * batch is staged instead: the sender queues more in this same turn, and everything goes out in one
   * write at the turn's end rather than one small write per `capacity` frames. Staging never outlasts
   * the turn, so a peer never waits on it.
   */
  private flushNow(endOfTurnWrite = false): void {
    this.flushScheduled = false;
    if (this.ended || this.writeBlocked) return;
    let batch = this.staged ?? [];
    let bytes = this.stagedBytes;
    this.dropStaged();
    // A sender waits only on a full `outgoing`, and taking its frames below lets it go on.
    const senderResumed = this.outbox.hasWaitingSenders;
    for (;;) {
      const frame = this.outbox.tryReceive();
      if (frame === undefined) break;
      if (this.closeSent) continue; // nothing may follow a Close frame (§5.5.1)
      batch.push(frame);
      bytes += frame.byteLength;
      if (frame instanceof Frame.Close) this.closeSent = true;
      if (bytes >= BATCH_BYTES) {
        if (!this.writeBatch(batch)) return;
        batch = [];
        bytes = 0;
      }
    }
    if (senderResumed && !endOfTurnWrite && bytes < STAGE_BYTES && !this.closeSent && this.pendingClose === null && hasEndOfTurn) {
      this.staged = batch;
      this.stagedBytes = bytes;
      if (!this.endOfTurnScheduled) {
        this.endOfTurnScheduled = true;
        afterPendingWork(WebSocketSession.writeStaged, this);
      }
      return;
    }
    const close = this.pendingClose;
    if (close !== null && !this.closeSent) {
      this.pendingClose = null;
      this.closeSent = true;
      batch.push(close);
    }
    if (batch.length > 0 && !this.writeBatch(batch)) return;
    this.settleFlushWaiters();
  }

  /** Hands a batch to the transport; a Close frame in it starts the close. False when the transport is full. */
  private writeBatch(batch: Frame[]): boolean {
    const accepted = this.transport.write(batch);
    const last = batch[batch.length - 1];
    if (last instanceof Frame.Close) this.onCloseWritten(last);
    if (!accepted) this.writeBlocked = true;
    return accepted;
  }

  private settleFlushWaiters(): void {
    const waiters = this.flushWaiters;
    if (waiters === null) return;
    this.flushWaiters = null;
    for (const resolve of waiters) resolve();
  }
}

/** A timeout in milliseconds as a session takes it: a positive, finite number. */
function checkTimeoutMillis(millis: unknown): number {
  if (typeof millis !== "number") throw typeError("timeoutMillis", "a positive number of milliseconds", millis);
  if (!Number.isFinite(millis) || millis <= 0) throw rangeError("timeoutMillis", "a positive, finite number of milliseconds", millis);
  return millis;
}

/** @internal A size limit as a session takes it: a whole number of bytes >= 1. */
export function checkByteLimit(bytes: unknown, what: string): number {
  if (typeof bytes !== "number") throw typeError(what, "a whole number of bytes >= 1", bytes);
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw rangeError(what, "a whole number of bytes >= 1", bytes);
  return bytes;
}
