import type { ReceiveChannel, SendChannel } from "../../session/channel.js";
import type { DefaultWebSocketSession } from "../../session/default-session.js";
import type { WebSocketContentConverter } from "../../serialization/converter.js";
import {
  messageIterator,
  receiveMessage,
  sendContent,
  sendMessage,
  type MessagesOptions,
  type SendContent,
} from "../../serialization/frame-conversion.js";
import type { InferInput, InferOutput, StandardSchemaV1 } from "../../serialization/standard-schema.js";
import type { Frame } from "../../protocol/frame.js";
import { CloseReason, closeReasonOf } from "../../protocol/close-reason.js";
import type { EndedEvent, ReconnectEvent, ReconnectEventType, ReconnectListener } from "./events.js";
import type { OnOpenHook, ReconnectDeps, ReconnectState, ReconnectTarget, RetryRule } from "./reconnect-types.js";
import { typeError } from "../../util/describe-value.js";
import { toRequestOptions } from "./reconnect-attempt.js";
import { ReconnectStateMachine } from "./reconnect-state-machine.js";

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

  private readonly machine: ReconnectStateMachine;

  /** @internal Made by `client.reconnectingSession`. */
  constructor(target: ReconnectTarget, deps: ReconnectDeps, options: { signal?: AbortSignal; onOpen?: readonly OnOpenHook[] } = {}) {
    this.converter = deps.converter;
    if (typeof target !== "function") deps.resolveUrl(toRequestOptions(target));
    const signal = options.signal ?? (typeof target === "object" && !(target instanceof URL) ? target.signal : undefined) ?? null;
    if (signal?.aborted) throw signal.reason;
    const machine = (this.machine = new ReconnectStateMachine(target, deps, signal, options.onOpen ?? []));
    this.incoming = machine.inbox;
    this.outgoing = machine.queue;
    this.ended = machine.ended;
    this.closeReason = this.ended.then((event) => event.reason);
    // Started after the caller has had the chance to add listeners and hooks.
    queueMicrotask(() => machine.start());
  }

  /** Where the session is; see `ReconnectState`. */
  get state(): ReconnectState {
    return this.machine.state;
  }

  /** The current (or last) attempt, 1-based, counted since the last connection that stayed up for `minUptime`. */
  get attempt(): number {
    return this.machine.attempt;
  }

  /** The open connection's session, or null between connections. */
  get session(): DefaultWebSocketSession | null {
    return this.machine.session;
  }

  /** Messages waiting in the replay queue. */
  get queuedMessages(): number {
    return this.machine.queue.size;
  }

  /** Payload bytes waiting in the replay queue. */
  get queuedBytes(): number {
    return this.machine.queue.byteSize;
  }

  /** Listens to one type of event; returns a function that stops listening. */
  on<K extends ReconnectEventType>(type: K, listener: ReconnectListener<K>): () => void {
    return this.machine.hub.on(type, listener);
  }

  /** Stops a listener added with `on`. */
  off<K extends ReconnectEventType>(type: K, listener: ReconnectListener<K>): void {
    this.machine.hub.off(type, listener);
  }

  /**
   * The events from now on, as an async iterator that ends after the `ended` event. Each call gives
   * a new iterator; one that falls more than 256 events behind loses the oldest.
   */
  events(): AsyncIterableIterator<ReconnectEvent> {
    return this.machine.hub.stream();
  }

  /** Adds a hook run on every new connection (see `OnOpenHook`); returns a function that removes it. */
  onOpen(hook: OnOpenHook): () => void {
    if (typeof hook !== "function") throw new TypeError("onOpen takes a function (session) => void | Promise<void>");
    return this.machine.addHook(hook);
  }

  /**
   * Adds what a protocol on top knows about its close codes and errors (see `RetryRule`), asked before
   * `shouldReconnect`, in the order added; `maxAttempts` still bounds the retries. Returns a function
   * that removes the rule. `kite-ws/graphql` adds one for graphql-transport-ws's codes.
   */
  addRetryRule(rule: RetryRule): () => void {
    if (typeof rule !== "function") throw typeError("addRetryRule(rule): rule", "a function (cause) => boolean | undefined", rule);
    return this.machine.addRetryRule(rule);
  }

  /**
   * Sends text (a Text frame), bytes (an `ArrayBuffer` or any view of one: a Binary frame of its exact
   * bytes) or a frame, through the replay queue. Anything else rejects with a `TypeError`.
   */
  send(content: SendContent): Promise<void> {
    return sendContent(this.machine.queue, content);
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
    return sendMessage(this.converter, this.machine.queue, value, schema);
  }

  /** Receives the next message and deserializes it; `DeserializationError` leaves the session usable. */
  receiveDeserialized<T = unknown>(): Promise<T>;
  /**
   * Receives the next message, deserializes it and checks it against `schema`, giving the schema's
   * output; `SchemaValidationError` leaves the session usable.
   */
  receiveDeserialized<S extends StandardSchemaV1>(schema: S): Promise<InferOutput<S>>;
  receiveDeserialized(schema?: StandardSchemaV1): Promise<unknown> {
    return receiveMessage(this.converter, this.machine.inbox, schema);
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
    return messageIterator(this.converter, this.machine.inbox, schema, options);
  }

  /**
   * Resolves once every message sent before the call is settled: written to the operating system by
   * a connection, or reported (`unconfirmed`, `dropped`, `unsent`). While disconnected, this waits for
   * the next connection.
   */
  flush(): Promise<void> {
    return this.machine.flush();
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
    this.machine.stop({ reason: closeReasonOf(reasonOrCode, message), mode: "drain", error: null });
    await this.ended;
  }

  /** Cuts the current connection at once (no close handshake) and stops retrying; queued messages are not sent. */
  terminate(): void {
    this.machine.stop({ reason: new CloseReason(CloseReason.Codes.CLOSED_ABNORMALLY, "Terminated"), mode: "cut", error: null });
  }

  /** `await using session = client.reconnectingSession(...)`: `close()` (1000) when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
