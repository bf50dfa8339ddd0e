import { Channel, type ChannelConfig, type ReceiveChannel, type SendChannel } from "../../session/channel.js";
import type { DefaultWebSocketSession } from "../../session/default-session.js";
import type { WebSocketRequestOptions, WebSocketTarget } from "../../client/target.js";
import type { WebSocketContentConverter } from "../../serialization/converter.js";
import {
  checkFrame,
  messageIterator,
  receiveMessage,
  sendContent,
  sendMessage,
  type MessagesOptions,
  type SendContent,
} from "../../serialization/frame-conversion.js";
import type { InferInput, InferOutput, StandardSchemaV1 } from "../../serialization/standard-schema.js";
import { Frame } from "../../protocol/frame.js";
import { CloseReason, MAX_CLOSE_MESSAGE_BYTES, closeReasonOf, truncateUtf8 } from "../../protocol/close-reason.js";
import { isControlOpcode } from "../../protocol/frame-type.js";
import type { Duration } from "../../util/duration.js";
import { typeError } from "../../util/describe-value.js";
import {
  ClosedReceiveChannelError,
  ConnectionClosedError,
  ConnectTimeoutError,
  FrameTooBigError,
  WebSocketError,
} from "../../errors.js";
import { EventHub, type EndedEvent, type ReconnectEvent, type ReconnectEventType, type ReconnectListener } from "./events.js";
import { backoffDelay, retryAfterMillis, type ReconnectCause, type ReconnectContext } from "./policy.js";
import { ReplayQueue, type QueueEntry } from "./replay-queue.js";
import { ReconnectGaveUpError } from "./errors.js";
import type { QueueLimits, QueueOverflowPolicy, ReconnectSettings, ShouldReconnect } from "./reconnect-config.js";

/**
 * Where a reconnecting session is: `connecting` (an attempt is under way), `open`, `retrying`
 * (waiting before the next attempt), `closing` (after `close()`), `closed` (over for good).
 */
export type ReconnectState = "connecting" | "open" | "retrying" | "closing" | "closed";

/** What a target function is given before each attempt. */
export interface ReconnectTargetContext {
  /** The attempt about to be made, 1-based, counted since the last connection that stayed up. */
  readonly attempt: number;
  /** Aborted when the attempt times out (`connectTimeout`) or the session is closed: pass it to `fetch`. */
  readonly signal: AbortSignal;
}

/**
 * A target for a reconnecting session: a URL string, a `URL`, request options, or a function
 * (sync or async) called before every attempt, for a fresh URL, token or headers each time.
 */
export type ReconnectTarget =
  | WebSocketTarget
  | ((context: ReconnectTargetContext) => WebSocketTarget | Promise<WebSocketTarget>);

/**
 * Runs on every new connection before anything queued is sent and before its messages reach
 * `incoming`: re-authenticate, re-subscribe. It may send on the session and receive from its
 * `incoming` (an authentication request and its answer). A hook that throws ends the connection
 * with 1011, and its error goes to `shouldReconnect`.
 */
export type OnOpenHook = (session: DefaultWebSocketSession) => void | Promise<void>;

/**
 * Options of one reconnecting session. Every setting of the Reconnect plugin can be overridden here
 * for this session; it is checked the same way.
 */
export interface ReconnectOptions {
  /** Hooks run on every new connection (more can be added with `session.onOpen`). */
  readonly onOpen?: OnOpenHook | readonly OnOpenHook[];
  /** Aborting it closes the session with 1001 (queued messages are not sent) and stops retrying. */
  readonly signal?: AbortSignal;
  /** Overrides {@link ReconnectConfig.minDelay}: the bound of the first retry's random wait. */
  readonly minDelay?: Duration;
  /** Overrides {@link ReconnectConfig.maxDelay}: the largest wait between attempts. */
  readonly maxDelay?: Duration;
  /** Overrides {@link ReconnectConfig.factor}: the backoff's growth per failed attempt. */
  readonly factor?: number;
  /** Overrides {@link ReconnectConfig.maxAttempts}: failed attempts in a row before giving up. */
  readonly maxAttempts?: number;
  /** Overrides {@link ReconnectConfig.connectTimeout}: time for one attempt, or null for the engine's alone. */
  readonly connectTimeout?: Duration | null;
  /** Overrides {@link ReconnectConfig.minUptime}: how long a connection must last to count as a success. */
  readonly minUptime?: Duration;
  /** Overrides {@link ReconnectConfig.maxRetryAfter}: the longest `Retry-After` honoured. */
  readonly maxRetryAfter?: Duration;
  /** Overrides {@link ReconnectConfig.shouldReconnect}: which close reasons and errors are retried. */
  readonly shouldReconnect?: ShouldReconnect;
  /** Overrides {@link ReconnectConfig.maxQueued}: bounds of the replay queue (a partial object changes what it names). */
  readonly maxQueued?: Partial<QueueLimits>;
  /** Overrides {@link ReconnectConfig.onQueueOverflow}: what a full replay queue does. */
  readonly onQueueOverflow?: QueueOverflowPolicy;
  /** Overrides {@link ReconnectConfig.random}: the jitter's source of numbers in [0, 1). */
  readonly random?: () => number;
}

/** @internal What a reconnecting session needs from its client. */
export interface ReconnectDeps {
  readonly settings: ReconnectSettings;
  /** Opens a default session (the WebSockets plugin's builder). */
  connect(target: WebSocketRequestOptions): Promise<DefaultWebSocketSession>;
  /** The URL a target resolves to; throws a `TypeError` for a malformed target. */
  resolveUrl(target: WebSocketRequestOptions): URL;
  readonly incoming: ChannelConfig;
  readonly maxFrameSize: number;
  readonly converter: WebSocketContentConverter | null;
}

interface StopRequest {
  readonly reason: CloseReason;
  /** Cut the connection without a close handshake (`terminate()`). */
  readonly cut?: boolean;
  /** Send what is queued before closing (`close()`), or drop it (abort, `terminate()`). */
  readonly drain: boolean;
  readonly error: Error | null;
}

type Attempt =
  | { readonly session: DefaultWebSocketSession; readonly url: URL; readonly release: () => void }
  | { readonly error: Error };

interface ConnectionResult {
  readonly reason: CloseReason | null;
  readonly error: Error | null;
  readonly healthy: boolean;
  /** The connection never became usable (an `onOpen` hook failed, or it ended while they ran). */
  readonly hookFailed: boolean;
}

/** Ends an attempt that `close()` interrupted. */
const STOPPED = (): WebSocketError => new WebSocketError("The reconnecting session was closed", { code: "KITE_ERR_SESSION_CLOSED" });

/**
 * A session that outlives its connections (`client.reconnectingSession(target)`): one `incoming` and
 * one `outgoing` across every connection it makes, with backoff and full jitter between attempts, a
 * bounded replay queue for messages sent while disconnected, `onOpen` hooks to re-subscribe, and
 * lifecycle events (`on(type, listener)` or `for await (const event of session.events())`).
 *
 * The plugin never sends a message twice and never reorders messages: a message handed to a
 * connection that died before confirming it was written is reported in that connection's `closed`
 * event (`unconfirmed`), not sent again.
 */
export class ReconnectingWebSocketSession implements AsyncDisposable {
  /** Messages from every connection, in order. Ends when the session ends; throws after it gave up on a failure. */
  readonly incoming: ReceiveChannel<Frame>;
  /** The replay queue: `send` goes to the open connection, or waits here (bounded) for the next one. */
  readonly outgoing: SendChannel<Frame>;
  /** The last connection's close reason once the session has ended (see `EndedEvent.reason`). */
  readonly closeReason: Promise<CloseReason | null>;
  /** Settles with the `ended` event when the session is over. */
  readonly ended: Promise<EndedEvent>;
  /** The converter for `sendSerialized` / `receiveDeserialized`, or null. */
  readonly converter: WebSocketContentConverter | null;

  private readonly settings: ReconnectSettings;
  private readonly deps: ReconnectDeps;
  private readonly target: ReconnectTarget;
  private readonly inbox: Channel<Frame>;
  private readonly queue: ReplayQueue;
  private readonly hub = new EventHub();
  private readonly hooks: OnOpenHook[] = [];
  /** Woken when the session starts stopping. */
  private readonly stopWakeups = new Wakeups();
  private stateValue: ReconnectState = "connecting";
  private attemptValue = 0;
  private current: Connection | null = null;
  private attemptController: AbortController | null = null;
  private stopping: StopRequest | null = null;
  private stoppedWhileOpen = false;
  private wake: (() => void) | null = null;
  private drainTimer: ReturnType<typeof setTimeout> | null = null;
  private lastReason: CloseReason | null = null;
  private finished = false;
  private flushWaiters: { seq: number; resolve: () => void }[] = [];
  private settleEnded!: (event: EndedEvent) => void;
  private readonly signal: AbortSignal | null;
  private readonly onAbort: () => void;

  /** @internal Made by `client.reconnectingSession`. */
  constructor(target: ReconnectTarget, deps: ReconnectDeps, options: { signal?: AbortSignal; onOpen?: readonly OnOpenHook[] } = {}) {
    this.target = target;
    this.deps = deps;
    this.settings = deps.settings;
    this.converter = deps.converter;
    if (typeof target !== "function") deps.resolveUrl(toRequestOptions(target));
    const signal = options.signal ?? (typeof target === "object" && !(target instanceof URL) ? target.signal : undefined) ?? null;
    if (signal?.aborted) throw signal.reason;
    this.hooks.push(...(options.onOpen ?? []));

    this.inbox = new Channel<Frame>({ capacity: deps.incoming.capacity, onOverflow: "suspend" });
    this.incoming = this.inbox;
    this.queue = new ReplayQueue(this.settings.maxQueued, this.settings.onQueueOverflow);
    this.queue.validate = (frame) => this.checkOutgoing(frame);
    this.queue.onDropped = (entry) => {
      this.hub.emit({ type: "dropped", frame: entry.frame });
      this.checkFlushWaiters();
    };
    this.outgoing = this.queue;

    this.ended = new Promise((resolve) => (this.settleEnded = resolve));
    this.closeReason = this.ended.then((event) => event.reason);

    this.signal = signal;
    this.onAbort = () => {
      const reason: unknown = signal?.reason;
      const error = reason instanceof Error ? reason : new WebSocketError(`Aborted: ${String(reason)}`, { code: "KITE_ERR_ABORTED" });
      this.stop({ reason: new CloseReason(CloseReason.Codes.GOING_AWAY, ""), drain: false, error });
    };
    signal?.addEventListener("abort", this.onAbort, { once: true });
    // Started after the caller has had the chance to add listeners and hooks.
    queueMicrotask(() => void this.run().catch((error: unknown) => this.finish(null, toError(error))));
  }

  /** Where the session is; see `ReconnectState`. */
  get state(): ReconnectState {
    return this.stateValue;
  }

  /** The current (or last) attempt, 1-based, counted since the last connection that stayed up for `minUptime`. */
  get attempt(): number {
    return this.attemptValue;
  }

  /** The open connection's session, or null between connections. */
  get session(): DefaultWebSocketSession | null {
    return this.current?.session ?? null;
  }

  /** Messages waiting in the replay queue. */
  get queuedMessages(): number {
    return this.queue.size;
  }

  /** Payload bytes waiting in the replay queue. */
  get queuedBytes(): number {
    return this.queue.byteSize;
  }

  /** Listens to one type of event; returns a function that stops listening. */
  on<K extends ReconnectEventType>(type: K, listener: ReconnectListener<K>): () => void {
    return this.hub.on(type, listener);
  }

  /** Stops a listener added with `on`. */
  off<K extends ReconnectEventType>(type: K, listener: ReconnectListener<K>): void {
    this.hub.off(type, listener);
  }

  /**
   * The events from now on, as an async iterator that ends after the `ended` event. Each call gives
   * a new iterator; one that falls more than 256 events behind loses the oldest.
   */
  events(): AsyncIterableIterator<ReconnectEvent> {
    return this.hub.stream();
  }

  /** Adds a hook run on every new connection (see `OnOpenHook`); returns a function that removes it. */
  onOpen(hook: OnOpenHook): () => void {
    if (typeof hook !== "function") throw new TypeError("onOpen takes a function (session) => void | Promise<void>");
    this.hooks.push(hook);
    return () => {
      const at = this.hooks.indexOf(hook);
      if (at >= 0) this.hooks.splice(at, 1);
    };
  }

  /**
   * Sends text (a Text frame), bytes (an `ArrayBuffer` or any view of one: a Binary frame of its exact
   * bytes) or a frame, through the replay queue. Anything else rejects with a `TypeError`.
   */
  send(content: SendContent): Promise<void> {
    return sendContent(this.queue, content);
  }

  /** Serializes `value` with the WebSockets plugin's converter and sends it through the replay queue. */
  sendSerialized(value: unknown): Promise<void>;
  /**
   * Checks `value` against `schema` (any Standard Schema), then serializes it and sends it through the
   * replay queue, as `WebSocketSession.sendSerialized(value, schema)` does: the value goes out as given,
   * not the schema's output, and an invalid one rejects with `SchemaValidationError` without being queued.
   */
  sendSerialized<S extends StandardSchemaV1>(value: InferInput<S>, schema: S): Promise<void>;
  sendSerialized(value: unknown, schema?: StandardSchemaV1): Promise<void> {
    return sendMessage(this.converter, this.queue, value, schema);
  }

  /** Receives the next message and deserializes it; `DeserializationError` leaves the session usable. */
  receiveDeserialized<T = unknown>(): Promise<T>;
  /**
   * Receives the next message, deserializes it and checks it against `schema`, giving the schema's
   * output; `SchemaValidationError` leaves the session usable.
   */
  receiveDeserialized<S extends StandardSchemaV1>(schema: S): Promise<InferOutput<S>>;
  receiveDeserialized(schema?: StandardSchemaV1): Promise<unknown> {
    return receiveMessage(this.converter, this.inbox, schema);
  }

  /**
   * The messages of every connection as deserialized values, for `for await`, as
   * `WebSocketSession.messages()`: it ends when the session ends and throws what `incoming` throws.
   */
  messages<T = unknown>(schema?: null, options?: MessagesOptions): AsyncIterableIterator<T>;
  /**
   * The messages of every connection, deserialized and checked against `schema`, as its output; see
   * `WebSocketSession.messages(schema, options)` for invalid messages and `onInvalid`.
   */
  messages<S extends StandardSchemaV1>(schema: S, options?: MessagesOptions): AsyncIterableIterator<InferOutput<S>>;
  messages(schema?: StandardSchemaV1 | null, options?: MessagesOptions): AsyncIterableIterator<unknown> {
    return messageIterator(this.converter, this.inbox, schema, options);
  }

  /**
   * Resolves once every message sent before the call is settled: written to the operating system by
   * a connection, or reported (`unconfirmed`, `dropped`, `unsent`). While disconnected, this waits for
   * the next connection.
   */
  flush(): Promise<void> {
    const seq = this.queue.seqHorizon - 1;
    if (this.finished || seq < 0 || this.oldestUnsettled() > seq) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push({ seq, resolve }));
  }

  /**
   * Stops retrying and closes: no more sends are accepted; if a connection is open, what is queued
   * is sent first (for at most the session's `timeoutMillis`), then the close handshake runs with
   * `reason` (default 1000). Resolves when everything has ended. Later calls wait for the same end.
   * A code that a Close frame may not carry rejects with a `RangeError`.
   */
  close(reason?: CloseReason): Promise<void>;
  /**
   * `close(code, reason)` as `WebSocket.close` takes them: `code` 1000 or 3000–4999, `reason` at most
   * 123 bytes of UTF-8; a `RangeError` / `TypeError` otherwise.
   */
  close(code: number, reason?: string): Promise<void>;
  async close(reasonOrCode?: CloseReason | number, message?: string): Promise<void> {
    this.stop({ reason: closeReasonOf(reasonOrCode, message), drain: true, error: null });
    await this.ended;
  }

  /** Cuts the current connection at once (no close handshake) and stops retrying; queued messages are not sent. */
  terminate(): void {
    this.stop({ reason: new CloseReason(CloseReason.Codes.CLOSED_ABNORMALLY, "Terminated"), drain: false, error: null, cut: true });
  }

  /** `await using session = client.reconnectingSession(...)`: `close()` (1000) when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // --- the connection loop ---

  private async run(): Promise<void> {
    const settings = this.settings;
    let waits = 0;
    let gaveUp: { why: "maxAttempts" | "policy"; cause: ReconnectCause; attempts: number } | null = null;
    for (;;) {
      if (this.stopping !== null) break;
      const attempt = ++this.attemptValue;
      this.setState("connecting");
      this.hub.emit({ type: "connecting", attempt });
      const outcome = await this.connect(attempt);
      let cause: ReconnectCause;
      let opened = false;
      if ("error" in outcome) {
        if (this.stopping !== null) break;
        this.hub.emit({ type: "failed", attempt, error: outcome.error });
        cause = outcome.error;
      } else {
        const result = await this.runConnection(outcome.session, outcome.url, attempt);
        outcome.release();
        opened = !result.hookFailed;
        cause = result.error ?? result.reason ?? new CloseReason(CloseReason.Codes.NO_STATUS_RECEIVED, "");
        if (result.healthy) {
          this.attemptValue = 0;
          waits = 0;
        }
        if (this.stopping !== null) break;
      }
      const requested = retryAfterMillis(cause);
      const retryAfter = requested === null ? null : Math.min(requested, settings.maxRetryAfterMillis);
      const context: ReconnectContext = { attempt, opened, retryAfterMillis: retryAfter };
      if (this.attemptValue >= settings.maxAttempts) {
        gaveUp = { why: "maxAttempts", cause, attempts: attempt };
        break;
      }
      let again: boolean;
      try {
        again = settings.shouldReconnect(cause, context) === true;
      } catch (error) {
        again = false;
        cause = toError(error);
      }
      if (!again) {
        gaveUp = { why: "policy", cause, attempts: attempt };
        break;
      }
      const delayMillis = (retryAfter ?? 0) + backoffDelay(waits++, settings, settings.random);
      this.hub.emit({ type: "retry", attempt: this.attemptValue + 1, delayMillis, retryAfterMillis: retryAfter, cause });
      this.setState("retrying");
      await this.sleep(delayMillis, retryAfter ?? 0);
    }
    this.finish(gaveUp);
  }

  /** One attempt: the target function, then the engine's connect, within `connectTimeout`. */
  private async connect(attempt: number): Promise<Attempt> {
    const controller = new AbortController();
    this.attemptController = controller;
    // close() from a `connecting` listener comes before this attempt could be aborted.
    if (this.stopping !== null) controller.abort(STOPPED());
    const timeout = this.settings.connectTimeoutMillis;
    const timer =
      timeout === null
        ? null
        : setTimeout(() => controller.abort(new ConnectTimeoutError(`Attempt ${attempt} took longer than ${timeout} ms (connectTimeout)`)), timeout);
    let release = (): void => {};
    try {
      const target =
        typeof this.target === "function"
          ? await abortable(callTarget(this.target, { attempt, signal: controller.signal }), controller.signal)
          : this.target;
      const parts = toRequestOptions(target);
      const url = this.deps.resolveUrl(parts);
      const own = parts.signal;
      if (own !== undefined) {
        if (own.aborted) throw own.reason;
        const forward = (): void => controller.abort(own.reason);
        own.addEventListener("abort", forward, { once: true });
        release = () => own.removeEventListener("abort", forward);
      }
      const session = await abortable(this.deps.connect({ ...parts, signal: controller.signal }), controller.signal, (late) => late.terminate());
      if (controller.signal.aborted) {
        // Aborted as the session opened, before it could listen to the signal.
        session.terminate();
        throw controller.signal.reason;
      }
      return { session, url, release };
    } catch (error) {
      release();
      return { error: toError(error) };
    } finally {
      if (timer !== null) clearTimeout(timer);
      if (this.attemptController === controller) this.attemptController = null;
    }
  }

  /** Runs an open connection until it ends: hooks, then the forwarder and the incoming pump. */
  private async runConnection(session: DefaultWebSocketSession, url: URL, attempt: number): Promise<ConnectionResult> {
    const conn = new Connection(session, () => this.checkFlushWaiters());
    this.current = conn;
    let hookError: Error | null = null;
    for (const hook of [...this.hooks]) {
      if (this.stopping !== null) break;
      try {
        await hook(session);
      } catch (error) {
        hookError = toError(error);
        break;
      }
      if (conn.ended) break;
    }
    if (hookError !== null) {
      this.current = null;
      await session.close(new CloseReason(CloseReason.Codes.INTERNAL_ERROR, truncateUtf8(`onOpen: ${hookError.message}`, MAX_CLOSE_MESSAGE_BYTES)));
      if (this.stopping === null) this.hub.emit({ type: "failed", attempt, error: hookError });
      const reason = await session.closeReason;
      this.lastReason = reason;
      return { reason, error: hookError, healthy: false, hookFailed: true };
    }

    const openedAt = Date.now();
    let uptimeTimer: ReturnType<typeof setTimeout> | null = null;
    const announced = !conn.ended && this.stopping === null;
    conn.announced = announced;
    if (announced) {
      this.setState("open");
      if (this.settings.minUptimeMillis === 0) conn.healthy = true;
      else uptimeTimer = backgroundTimer(() => (conn.healthy = true), this.settings.minUptimeMillis);
      this.queue.direct = (entry) => this.handDirect(conn, entry);
      this.hub.emit({ type: "open", attempt, url, session });
    }
    // Stopped while the hooks ran: nothing queued goes out on a connection that never got ready.
    if (this.stopping !== null && (!this.stopping.drain || !announced)) this.endConnection(session, this.stopping);
    const forwarding = announced ? this.forward(conn) : Promise.resolve();
    const pumpError = await this.pump(conn);
    conn.markEnded();
    this.queue.direct = null;
    // The connection is going (the peer's Close came, or it failed): answer and wait for it to be
    // gone, bounded by the session's own timeouts.
    const gone = session.close();
    await forwarding;
    await gone;
    if (uptimeTimer !== null) clearTimeout(uptimeTimer);
    const reason = await session.closeReason;
    this.lastReason = reason;
    const unconfirmed = conn.takeUnconfirmed();
    this.current = null;
    if (!announced && this.stopping === null) {
      // It ended while its onOpen hooks ran: an attempt that failed, not a connection that was up.
      const error = pumpError ?? new ConnectionClosedError(`The connection ended while its onOpen hooks ran (${reason === null ? "no reason" : reason.code})`);
      this.hub.emit({ type: "failed", attempt, error });
      return { reason, error, healthy: false, hookFailed: true };
    }
    this.hub.emit({
      type: "closed",
      attempt,
      reason,
      error: pumpError,
      unconfirmed: unconfirmed.map((entry) => entry.frame),
      uptimeMillis: Date.now() - openedAt,
    });
    this.checkFlushWaiters();
    return { reason, error: pumpError, healthy: conn.healthy, hookFailed: false };
  }

  /** Moves queued messages into the connection, in order, until it ends (or `close()` drained the queue). */
  private async forward(conn: Connection): Promise<void> {
    const outgoing = conn.session.outgoing;
    for (;;) {
      if (conn.ended || (this.stopping !== null && !this.stopping.drain)) return;
      const entry = this.queue.peek();
      if (entry === undefined) {
        if (this.queue.isClosedForSend) {
          // close() was called and everything queued has been handed over: confirm it, then close.
          await conn.confirmAll();
          if (this.stopping !== null) void conn.session.close(this.stopping.reason);
          return;
        }
        if (!conn.ended) await conn.wakeups.waitFor(this.queue.changed());
        continue;
      }
      let taken: boolean;
      try {
        taken = outgoing.trySend(entry.frame);
      } catch {
        taken = false;
      }
      if (taken) {
        conn.handed(entry);
        this.queue.shift();
        continue;
      }
      // The connection's own buffer is full: wait for room with this message in hand.
      conn.holding = entry;
      this.queue.shift();
      try {
        await outgoing.send(entry.frame);
      } catch {
        conn.holding = null;
        if (outgoing.isClosedForSend) {
          // The connection is closing: the message was never taken, so it waits for the next one.
          this.queue.unshift(entry);
          return;
        }
        // Refused by the session itself (its maxFrameSize changed): it can never be sent.
        this.hub.emit({ type: "dropped", frame: entry.frame });
        this.checkFlushWaiters();
        continue;
      }
      conn.holding = null;
      conn.handed(entry);
    }
  }

  /** A message sent while the connection can take it at once, with nothing queued before it. */
  private handDirect(conn: Connection, entry: QueueEntry): boolean {
    if (conn.ended || conn.holding !== null || this.stopping !== null || this.current !== conn) return false;
    let taken: boolean;
    try {
      taken = conn.session.outgoing.trySend(entry.frame);
    } catch {
      return false;
    }
    if (taken) conn.handed(entry);
    return taken;
  }

  /** Moves the connection's messages into `incoming` (waiting while it is full) until the connection ends. */
  private async pump(conn: Connection): Promise<Error | null> {
    try {
      for await (const frame of conn.session.incoming) {
        if (this.inbox.trySend(frame)) continue;
        const delivered = this.inbox.send(frame);
        delivered.catch(() => {});
        // A full `incoming` slows the connection down; once stopping, the message stays queued
        // (for the reader to take) and the pump goes on to the end of the connection.
        if (this.stopping === null) await this.stopWakeups.waitFor(delivered);
      }
      return null;
    } catch (error) {
      if (error instanceof ClosedReceiveChannelError && error.cause instanceof Error) return error.cause;
      return toError(error);
    }
  }

  /** Waits `delayMillis`; an `online` event (browsers) shortens it, but never below `floorMillis`. */
  private sleep(delayMillis: number, floorMillis: number): Promise<void> {
    // close() from a `retry` listener comes before the wait could be cut short.
    if (this.stopping !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const started = Date.now();
      const online = onlineEvents();
      let timer: ReturnType<typeof setTimeout> | null = null;
      const done = (): void => {
        if (timer !== null) clearTimeout(timer);
        timer = null;
        online?.removeEventListener("online", onOnline);
        if (this.wake === done) this.wake = null;
        resolve();
      };
      const onOnline = (): void => {
        if (online?.navigator?.onLine === false) return;
        const elapsed = Date.now() - started;
        const soon = Math.max(floorMillis - elapsed, backoffDelay(0, this.settings, this.settings.random));
        if (soon < delayMillis - elapsed) {
          if (timer !== null) clearTimeout(timer);
          timer = setTimeout(done, soon);
        }
      };
      // Not unref'd: a session waiting to reconnect keeps the process alive, as its socket did.
      timer = setTimeout(done, delayMillis);
      online?.addEventListener("online", onOnline);
      this.wake = done;
    });
  }

  private stop(request: StopRequest): void {
    if (this.finished) return;
    if (this.stopping !== null) {
      // A close() already running becomes an abort or a terminate: stop draining (and cut).
      if (!request.drain && (this.stopping.drain || (request.cut === true && this.stopping.cut !== true))) {
        this.stopping = { ...this.stopping, drain: false, cut: request.cut, error: this.stopping.error ?? request.error };
        this.queue.close();
        const conn = this.current;
        if (conn !== null) {
          conn.wakeups.wakeAll();
          this.endConnection(conn.session, this.stopping);
        }
      }
      return;
    }
    this.stopping = request;
    this.setState("closing");
    this.stopWakeups.wakeAll();
    this.queue.close();
    this.attemptController?.abort(STOPPED());
    this.wake?.();
    const conn = this.current;
    if (conn === null) return;
    conn.wakeups.wakeAll();
    this.stoppedWhileOpen = true;
    if (!request.drain) {
      this.endConnection(conn.session, request);
    } else if (!conn.announced) {
      // Its onOpen hooks are still running (waiting for an answer, perhaps): the queue is not
      // sent on a connection that never got ready, so close it now.
      this.endConnection(conn.session, request);
    } else {
      // Draining the queue is bounded by the session's own timeout; then the Close goes anyway.
      this.drainTimer = backgroundTimer(() => void conn.session.close(request.reason), conn.session.timeoutMillis);
    }
  }

  /** Closes (or cuts) a connection because the session stops without draining. */
  private endConnection(session: DefaultWebSocketSession, request: StopRequest): void {
    if (request.cut === true) session.terminate();
    else void session.close(request.reason);
  }

  private finish(gaveUp: { why: "maxAttempts" | "policy"; cause: ReconnectCause; attempts: number } | null, failure: Error | null = null): void {
    if (this.finished) return;
    if (this.drainTimer !== null) clearTimeout(this.drainTimer);
    this.drainTimer = null;
    this.signal?.removeEventListener("abort", this.onAbort);
    let error: Error | null = failure ?? this.stopping?.error ?? null;
    if (gaveUp !== null) {
      const attempts = gaveUp.attempts;
      this.hub.emit({ type: "gaveUp", attempts, why: gaveUp.why, cause: gaveUp.cause });
      // The peer's own decision (a close code the policy does not retry) ends `incoming` normally.
      if (gaveUp.why === "maxAttempts" || gaveUp.cause instanceof Error) {
        const what = gaveUp.cause instanceof Error ? gaveUp.cause.message : String(gaveUp.cause);
        error = new ReconnectGaveUpError(
          gaveUp.why === "maxAttempts" ? `Gave up after ${attempts} attempts: ${what}` : `Not reconnecting after: ${what}`,
          attempts,
          gaveUp.why,
          { cause: gaveUp.cause },
        );
      }
    }
    this.finished = true;
    const unsent = this.queue.cancel(error ?? undefined);
    this.inbox.close(error ?? undefined);
    this.setState("closed");
    const reason = this.stopping !== null && !this.stoppedWhileOpen ? this.stopping.reason : this.lastReason;
    const event: EndedEvent = { type: "ended", reason, error, unsent: unsent.map((entry) => entry.frame) };
    this.checkFlushWaiters();
    this.hub.emit(event);
    this.settleEnded(event);
  }

  // --- helpers ---

  private setState(state: ReconnectState): void {
    if (this.stateValue === "closed") return;
    // Once closing, only "closed" may follow.
    if (this.stateValue === "closing" && state !== "closed") return;
    this.stateValue = state;
  }

  private checkOutgoing(frame: Frame): void {
    checkFrame(frame);
    if (frame instanceof Frame.Close) {
      throw new TypeError("A reconnecting session is closed with close(); a Close frame would end only the current connection");
    }
    if (!frame.fin) {
      throw new TypeError("A reconnecting session sends whole messages only: a fragment cannot be continued on another connection");
    }
    const size = frame.byteLength;
    if (isControlOpcode(frame.frameType) && size > 125) throw new RangeError(`A control frame's payload is at most 125 bytes, got ${size}`);
    if (size > this.deps.maxFrameSize) {
      throw new FrameTooBigError(`Frame of ${size} bytes exceeds maxFrameSize ${this.deps.maxFrameSize}`, size, this.deps.maxFrameSize);
    }
  }

  /** The sequence number of the oldest message not yet settled (in flight, in hand or queued). */
  private oldestUnsettled(): number {
    let oldest = Infinity;
    const conn = this.current;
    if (conn !== null) oldest = conn.oldestSeq();
    const queued = this.queue.peek();
    if (queued !== undefined) oldest = Math.min(oldest, queued.seq);
    return oldest;
  }

  private checkFlushWaiters(): void {
    if (this.flushWaiters.length === 0) return;
    const oldest = this.finished ? Infinity : this.oldestUnsettled();
    const waiting: { seq: number; resolve: () => void }[] = [];
    for (const waiter of this.flushWaiters) {
      if (waiter.seq < oldest) waiter.resolve();
      else waiting.push(waiter);
    }
    this.flushWaiters = waiting;
  }
}

/**
 * @internal One open connection: what was handed to it, and how much of that is confirmed written.
 * A message is confirmed when a `flush()` started after it was handed over resolves while the session
 * is still up; once the session's close reason is known, nothing more is confirmed.
 */
class Connection {
  ended = false;
  healthy = false;
  /** Its hooks ran and the `open` event went out: it carries the queue. */
  announced = false;
  /** A message taken from the queue and waiting for room in the session's `outgoing`. */
  holding: QueueEntry | null = null;
  /** Woken when the connection ends or the session stops. */
  readonly wakeups = new Wakeups();
  private inflight: QueueEntry[] = [];
  private confirming = false;

  constructor(
    readonly session: DefaultWebSocketSession,
    private readonly onSettled: () => void,
  ) {
    void session.closeReason.then(() => this.markEnded());
  }

  markEnded(): void {
    this.ended = true;
    this.wakeups.wakeAll();
  }

  handed(entry: QueueEntry): void {
    this.inflight.push(entry);
    if (!this.confirming) void this.confirmLoop();
  }

  oldestSeq(): number {
    if (this.inflight.length > 0) return this.inflight[0].seq;
    return this.holding?.seq ?? Infinity;
  }

  /** Resolves when everything handed over is confirmed, or the connection has ended. */
  async confirmAll(): Promise<void> {
    while (!this.ended && this.inflight.length > 0) await this.confirmOnce();
  }

  /** The messages handed over and never confirmed; they are settled (reported) from now on. */
  takeUnconfirmed(): QueueEntry[] {
    const left = this.inflight;
    this.inflight = [];
    return left;
  }

  private async confirmLoop(): Promise<void> {
    this.confirming = true;
    try {
      while (!this.ended && this.inflight.length > 0) await this.confirmOnce();
    } finally {
      this.confirming = false;
    }
  }

  private async confirmOnce(): Promise<void> {
    const mark = this.inflight.length;
    const last = this.inflight[mark - 1];
    await this.session.flush();
    if (this.ended) return;
    const at = this.inflight.indexOf(last);
    if (at >= 0) {
      this.inflight.splice(0, at + 1);
      this.onSettled();
    }
  }
}

/**
 * @internal Waits that end on an event or on `wakeAll()`, whichever comes first. Only the event gains
 * a reaction, so a long-lived connection does not pile reactions up on a promise that never settles.
 */
class Wakeups {
  private readonly waiting = new Set<() => void>();

  waitFor(event: Promise<unknown>): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.waiting.delete(done);
        resolve();
      };
      this.waiting.add(done);
      event.then(done, done);
    });
  }

  wakeAll(): void {
    for (const done of [...this.waiting]) done();
  }
}

/** A timer that does not keep the process alive by itself. */
function backgroundTimer(callback: () => void, millis: number): ReturnType<typeof setTimeout> {
  const timer = setTimeout(callback, millis);
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

/** `promise`, or a rejection with the signal's reason if it aborts first; `onLate` gets what arrives too late. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal, onLate?: (value: T) => void): Promise<T> {
  if (signal.aborted) {
    promise.then((value) => onLate?.(value), () => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => {
      settled = true;
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        if (settled) onLate?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (!settled) reject(error);
      },
    );
  });
}

function callTarget(
  target: (context: ReconnectTargetContext) => WebSocketTarget | Promise<WebSocketTarget>,
  context: ReconnectTargetContext,
): Promise<WebSocketTarget> {
  try {
    return Promise.resolve(target(context));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** @internal A target as request options. */
export function toRequestOptions(target: WebSocketTarget): WebSocketRequestOptions {
  if (typeof target === "string" || target instanceof URL) return { url: target };
  if (target === null || typeof target !== "object") {
    throw typeError("A WebSocket target", "a URL string, a URL, an options object such as { host, port, path }, or a function giving one", target);
  }
  return target;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new WebSocketError(String(error));
}


interface OnlineEventSource {
  addEventListener(type: "online", listener: () => void): void;
  removeEventListener(type: "online", listener: () => void): void;
  readonly navigator?: { readonly onLine?: boolean };
}

/** The global object where it tells of the network coming back (browsers, Deno); null on Node. */
function onlineEvents(): OnlineEventSource | null {
  const global = globalThis as Partial<OnlineEventSource>;
  if (typeof global.addEventListener !== "function" || typeof global.removeEventListener !== "function") return null;
  if (typeof global.navigator !== "object" || global.navigator === null) return null;
  return global as OnlineEventSource;
}
