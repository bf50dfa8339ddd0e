import type { CloseReason } from "../../protocol/close-reason.js";
import type { Frame } from "../../protocol/frame.js";
import type { DefaultWebSocketSession } from "../../session/default-session.js";
import type { ReconnectCause } from "./policy.js";
import { typeError } from "../../util/describe-value.js";

/** An attempt to connect starts (the target function, if any, is called next). */
export interface ConnectingEvent {
  /** Tells this event apart in a `ReconnectEvent`. */
  readonly type: "connecting";
  /** 1-based, counted since the last connection that stayed up for `minUptime`. */
  readonly attempt: number;
}

/** A connection is open, its `onOpen` hooks have run, and queued messages are flowing again. */
export interface OpenEvent {
  /** Tells this event apart in a `ReconnectEvent`. */
  readonly type: "open";
  /** The attempt that opened this connection (see `ConnectingEvent.attempt`). */
  readonly attempt: number;
  /** The URL connected to. */
  readonly url: URL;
  /** The session of this connection (it is closed once the matching `closed` event comes). */
  readonly session: DefaultWebSocketSession;
}

/** A connection that had opened has ended. */
export interface ClosedEvent {
  /** Tells this event apart in a `ReconnectEvent`. */
  readonly type: "closed";
  /** The attempt that had opened this connection, as in its `open` event. */
  readonly attempt: number;
  /** The session's close reason: the close handshake's, or 1006 when the connection was lost. */
  readonly reason: CloseReason | null;
  /** Why the session failed (`PingTimeoutError`, `ConnectionClosedError`, ...), or null after a close handshake. */
  readonly error: Error | null;
  /**
   * Messages handed to this connection that were not confirmed written to the operating system
   * before it ended, oldest first. They are not sent again: the application decides (an
   * application-level acknowledgement is the only proof that the peer processed a message).
   */
  readonly unconfirmed: readonly Frame[];
  /** How long the connection was open, in milliseconds. */
  readonly uptimeMillis: number;
}

/** An attempt failed before a session opened (network error, refused handshake, timeout, a failing target function). */
export interface FailedEvent {
  /** Tells this event apart in a `ReconnectEvent`. */
  readonly type: "failed";
  /** The attempt that failed (see `ConnectingEvent.attempt`). */
  readonly attempt: number;
  /**
   * Why: the network error, a `WebSocketHandshakeError` (with the refusal's status), a
   * `ConnectTimeoutError` after `connectTimeout`, what the target function or an `onOpen` hook threw,
   * or a `ConnectionClosedError` when the connection ended while the hooks ran.
   */
  readonly error: Error;
}

/** Another attempt will be made after `delayMillis`. */
export interface RetryEvent {
  /** Tells this event apart in a `ReconnectEvent`. */
  readonly type: "retry";
  /** The number the next attempt will have. */
  readonly attempt: number;
  /** The wait before it: `retryAfterMillis` (if any) plus the jittered backoff. */
  readonly delayMillis: number;
  /** What a 429 / 503 answer's `Retry-After` asked for (after `maxRetryAfter`), or null. */
  readonly retryAfterMillis: number | null;
  /** What ended the previous attempt. */
  readonly cause: ReconnectCause;
}

/** No more attempts: `maxAttempts` failed in a row, or `shouldReconnect` said no. An `ended` event follows. */
export interface GaveUpEvent {
  /** Tells this event apart in a `ReconnectEvent`. */
  readonly type: "gaveUp";
  /** Attempts in the last streak. */
  readonly attempts: number;
  /** `"maxAttempts"`: that many attempts failed in a row; `"policy"`: `shouldReconnect` returned false. */
  readonly why: "maxAttempts" | "policy";
  /** What ended the last attempt: the connection's close reason, or the error that failed it. */
  readonly cause: ReconnectCause;
}

/** The `"drop-oldest"` policy evicted a queued message to make room. */
export interface DroppedEvent {
  /** Tells this event apart in a `ReconnectEvent`. */
  readonly type: "dropped";
  /** The evicted message; it was never handed to a connection. */
  readonly frame: Frame;
}

/** The reconnecting session is over (after `close()`, an abort, or giving up). Always the last event. */
export interface EndedEvent {
  /** Tells this event apart in a `ReconnectEvent`. */
  readonly type: "ended";
  /** The last connection's close reason (or the one `close()` sent), or null if none ever opened. */
  readonly reason: CloseReason | null;
  /** A `ReconnectGaveUpError` when it gave up after a failure, the abort reason after an abort, else null. */
  readonly error: Error | null;
  /** Messages accepted by `send` that no connection ever took, oldest first. */
  readonly unsent: readonly Frame[];
}

/** Every lifecycle event of a reconnecting session, told apart by `type`. */
export type ReconnectEvent =
  | ConnectingEvent
  | OpenEvent
  | ClosedEvent
  | FailedEvent
  | RetryEvent
  | GaveUpEvent
  | DroppedEvent
  | EndedEvent;

/** The events by their `type`, for typed listeners. */
export interface ReconnectEventMap {
  /** An attempt to connect starts. */
  connecting: ConnectingEvent;
  /** A connection opened and its `onOpen` hooks have run. */
  open: OpenEvent;
  /** A connection that had opened ended. */
  closed: ClosedEvent;
  /** An attempt failed before a session opened. */
  failed: FailedEvent;
  /** Another attempt is scheduled. */
  retry: RetryEvent;
  /** No more attempts will be made. */
  gaveUp: GaveUpEvent;
  /** A queued message was evicted (`"drop-oldest"`). */
  dropped: DroppedEvent;
  /** The session is over; always the last event. */
  ended: EndedEvent;
}

/** One of the event types. */
export type ReconnectEventType = keyof ReconnectEventMap;

/** The event types, for checking what `on(type)` is given. */
const EVENT_TYPES: ReadonlySet<string> = new Set<ReconnectEventType>(["connecting", "open", "closed", "failed", "retry", "gaveUp", "dropped", "ended"]);

/** A listener for one event type. */
export type ReconnectListener<K extends ReconnectEventType> = (event: ReconnectEventMap[K]) => void;

/** Events an iterator keeps for a slow reader; older ones are dropped beyond this. */
const ITERATOR_BUFFER = 256;

/**
 * @internal Delivers events to listeners (synchronously, in registration order) and to async
 * iterators (buffered, at most `ITERATOR_BUFFER` each). A listener that throws does not stop the
 * others or the session: its error is rethrown on a later microtask, as `EventTarget` does.
 */
export class EventHub {
  private readonly listeners = new Map<ReconnectEventType, Set<(event: never) => void>>();
  private readonly streams = new Set<EventStream>();
  private ended = false;

  on<K extends ReconnectEventType>(type: K, listener: ReconnectListener<K>): () => void {
    if (!EVENT_TYPES.has(type)) throw typeError("on(type, listener): type", [...EVENT_TYPES].map((name) => JSON.stringify(name)).join(", "), type);
    if (typeof listener !== "function") throw typeError("on(type, listener): listener", "a function (event) => void", listener);
    let set = this.listeners.get(type);
    if (set === undefined) this.listeners.set(type, (set = new Set()));
    set.add(listener as (event: never) => void);
    return () => this.off(type, listener);
  }

  off<K extends ReconnectEventType>(type: K, listener: ReconnectListener<K>): void {
    this.listeners.get(type)?.delete(listener as (event: never) => void);
  }

  emit(event: ReconnectEvent): void {
    if (this.ended) return;
    const set = this.listeners.get(event.type);
    if (set !== undefined) {
      for (const listener of [...set]) {
        try {
          (listener as (event: ReconnectEvent) => void)(event);
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    }
    for (const stream of this.streams) stream.push(event);
    if (event.type === "ended") {
      this.ended = true;
      for (const stream of this.streams) stream.finish();
      this.streams.clear();
      this.listeners.clear();
    }
  }

  stream(): AsyncIterableIterator<ReconnectEvent> {
    const stream = new EventStream(() => this.streams.delete(stream));
    if (this.ended) stream.finish();
    else this.streams.add(stream);
    return stream;
  }
}

class EventStream implements AsyncIterableIterator<ReconnectEvent> {
  private buffer: ReconnectEvent[] = [];
  private waiter: ((result: IteratorResult<ReconnectEvent>) => void) | null = null;
  private done = false;

  constructor(private readonly detach: () => void) {}

  push(event: ReconnectEvent): void {
    if (this.done) return;
    const waiter = this.waiter;
    if (waiter !== null) {
      this.waiter = null;
      waiter({ value: event, done: false });
      return;
    }
    if (this.buffer.length >= ITERATOR_BUFFER) this.buffer.shift();
    this.buffer.push(event);
  }

  finish(): void {
    this.done = true;
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<ReconnectEvent>> {
    const event = this.buffer.shift();
    if (event !== undefined) return Promise.resolve({ value: event, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    if (this.waiter !== null) return Promise.reject(new Error("next() called again before the previous call settled"));
    return new Promise((resolve) => (this.waiter = resolve));
  }

  return(): Promise<IteratorResult<ReconnectEvent>> {
    this.buffer = [];
    this.detach();
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ReconnectEvent> {
    return this;
  }
}
