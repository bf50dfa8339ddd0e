import { ReconnectingWebSocketSession } from "../plugins/reconnect/reconnecting-session.js";
import { WebSocketSession } from "../session/websocket-session.js";
import type { InferOutput, StandardSchemaV1 } from "../serialization/standard-schema.js";
import { typeError } from "../util/describe-value.js";
import { abortError } from "../errors.js";
import { BatchCall } from "./batch-call.js";
import { PendingCall } from "./call-registry.js";
import { encodeRequest, type RpcParams } from "./message-codec.js";
import { ReconnectingLink } from "./reconnecting-link.js";
import type { RpcHandler } from "./request-handlers.js";
import { RpcClosedError } from "./rpc-errors.js";
import { RpcCore, sendFailure } from "./rpc-core.js";
import {
  checkBatchOptions,
  checkCallOptions,
  checkClientOptions,
  checkNotificationsOptions,
  checkMethod,
  checkParams,
  subscriptionMethods,
  type BatchEntry,
  type BatchOptions,
  type CallOptions,
  type JsonRpcClientOptions,
  type NotificationsOptions,
  type SchemaCallOptions,
  type SchemaSubscribeOptions,
  type SubscribeOptions,
} from "./rpc-options.js";
import { SessionLink } from "./session-link.js";
import type { RpcSubscription } from "./subscription.js";

/** A session the calls layer can run over: one connection (client, server, MockEngine) or a reconnecting one. */
export type RpcSession = WebSocketSession | ReconnectingWebSocketSession;

/**
 * Calls and subscriptions over a session (JSON-RPC 2.0, or the Chrome DevTools Protocol's dialect):
 * ids, deadlines, batches, the peer's own requests, and what happens to all of them when a
 * connection ends. The client reads every message of the session: use the session for nothing else.
 *
 * @example
 * const rpc = new JsonRpcClient(client.reconnectingSession("ws://127.0.0.1:8545"), { timeout: "10s" });
 * const height = await rpc.call<string>("eth_blockNumber");
 */
export class JsonRpcClient implements AsyncDisposable {
  private readonly core: RpcCore;

  constructor(session: RpcSession, options?: JsonRpcClientOptions) {
    const settings = checkClientOptions(options);
    let link;
    if (session instanceof ReconnectingWebSocketSession) link = new ReconnectingLink(session);
    else if (session instanceof WebSocketSession) link = new SessionLink(session);
    else throw typeError("new JsonRpcClient(session): session", "a WebSocket session or a ReconnectingWebSocketSession", session);
    this.core = new RpcCore(link, settings, link instanceof ReconnectingLink);
  }

  /** Calls in flight. */
  get pendingCalls(): number {
    return this.core.calls.size;
  }

  /** Frames from the peer that were not acted on (see `onProtocolError`). */
  get protocolErrors(): number {
    return this.core.protocolErrors;
  }

  /** True once `close()` was called or the session is over for good. */
  get isClosed(): boolean {
    return this.core.endedError !== null;
  }

  /**
   * Calls `method` and resolves with the answer's `result`, checked against `options.schema` (any
   * Standard Schema), as the schema's output. Rejects with `JsonRpcError` (an error answer),
   * `RpcTimeoutError`, the signal's reason, `RpcConnectionLostError` or `RpcClosedError`.
   */
  call<S extends StandardSchemaV1>(method: string, params: RpcParams | undefined, options: SchemaCallOptions<S>): Promise<InferOutput<S>>;
  /** Calls `method` and resolves with the answer's `result`, as `T` (unchecked: give a `schema` to check it). */
  call<T = unknown>(method: string, params?: RpcParams, options?: CallOptions): Promise<T>;
  call(method: string, params?: RpcParams, options?: CallOptions & { schema?: StandardSchemaV1 }): Promise<unknown> {
    try {
      checkMethod(method, "call(method): method");
      checkParams(params, "call(method, params): params");
      const settings = checkCallOptions(options, "call(method, params, options): options", this.core.settings.timeoutMillis);
      const refused = this.refusal(settings.signal);
      if (refused !== null) return Promise.reject(refused);
      return new Promise((resolve, reject) => {
        try {
          this.core.send(method, params, settings, RpcCore.promiseOutcome(resolve, reject, settings.schema));
        } catch (error) {
          reject(paramsError(error));
        }
      });
    } catch (error) {
      return Promise.reject(paramsError(error));
    }
  }

  /** Sends a notification: a call without an id, which the peer does not answer. Resolves once it is sent. */
  async notify(method: string, params?: RpcParams, options?: { readonly sessionId?: string }): Promise<void> {
    checkMethod(method, "notify(method): method");
    checkParams(params, "notify(method, params): params");
    const settings = checkCallOptions(options, "notify(method, params, options): options", null);
    const refused = this.refusal(null);
    if (refused !== null) throw refused;
    let text: string;
    try {
      text = encodeRequest(this.core.dialect, null, method, params, settings.sessionId);
    } catch (error) {
      throw paramsError(error);
    }
    await this.core.link.send(text);
  }

  /**
   * Sends several calls in one frame (JSON-RPC §6) and resolves with their outcomes in order: each
   * entry's result, or the `JsonRpcError` it was answered with. A timeout, an abort or a lost
   * connection rejects the whole batch. Not in the `"cdp"` dialect.
   */
  batch<R extends readonly unknown[] = unknown[]>(entries: readonly BatchEntry[], options?: BatchOptions): Promise<{ -readonly [K in keyof R]: R[K] | Error }>;
  batch(entries: readonly BatchEntry[], options?: BatchOptions): Promise<unknown[]> {
    try {
      if (this.core.dialect === "cdp") throw new TypeError('batch() needs the "jsonrpc2" dialect: the DevTools protocol has no batches');
      if (!Array.isArray(entries) || entries.length === 0) throw typeError("batch(entries): entries", "a non-empty array of [method, params?]", entries);
      // An index loop, not forEach: a hole in a sparse array is a missing entry, not one to skip.
      for (let index = 0; index < entries.length; index++) {
        const entry: unknown = entries[index];
        if (!Array.isArray(entry) || entry.length < 1 || entry.length > 2) throw typeError(`batch(entries): entries[${index}]`, "[method] or [method, params]", entry);
        checkMethod(entry[0], `batch(entries): entries[${index}][0]`);
        checkParams(entry[1], `batch(entries): entries[${index}][1]`);
      }
      const { timeoutMillis, signal } = checkBatchOptions(options, this.core.settings.timeoutMillis);
      const refused = this.refusal(signal);
      if (refused !== null) return Promise.reject(refused);
      const core = this.core;
      // Ids are given in a row (BatchCall counts on it); every entry is encoded before anything is
      // tracked, so params JSON cannot carry fail the batch whole, with nothing left behind.
      const firstId = core.calls.nextId();
      for (let index = 1; index < entries.length; index++) core.calls.nextId();
      const parts = entries.map(([method, params], index) => encodeRequest(core.dialect, firstId + index, method, params));
      return new Promise((resolve, reject) => {
        const batch = new BatchCall(entries.length, core.calls, signal, resolve, reject);
        entries.forEach(([method], index) => {
          const call = new PendingCall(firstId + index, method, null, timeoutMillis, null, batch);
          call.epoch = core.link.sendEpoch;
          batch.calls.push(call);
          core.calls.add(call);
        });
        core.link.send(`[${parts.join(",")}]`).catch((error: unknown) => batch.onError(sendFailure("a batch", error), batch.calls[0]));
      });
    } catch (error) {
      return Promise.reject(paramsError(error));
    }
  }

  /**
   * The params of the peer's notifications, for `for await`: all of them, or those of `method` (and,
   * in the `"cdp"` dialect, of `options.sessionId`). Iterators buffer up to `bufferSize` each, then the
   * socket waits for them. Ends when the client closes (throwing if the session failed) or `signal` aborts.
   */
  notifications<T = unknown>(method?: string | null, options?: NotificationsOptions): AsyncIterableIterator<T> {
    if (method !== undefined && method !== null) checkMethod(method, "notifications(method): method");
    const { sessionId, signal } = checkNotificationsOptions(options);
    const stream = this.core.streams.open(method ?? null, sessionId, signal);
    if (this.core.endedError !== null) void stream.return();
    return stream as AsyncIterableIterator<T>;
  }

  /**
   * Subscribes (`eth_subscribe` and its kind): resolves once the peer gave the subscription's id, with
   * an iterator over the `result` of each notification for it. Over a reconnecting session it is made
   * again on every new connection. `break` or `unsubscribe()` ends it.
   */
  subscribe<S extends StandardSchemaV1>(method: string, params: RpcParams | undefined, options: SchemaSubscribeOptions<S>): Promise<RpcSubscription<InferOutput<S>>>;
  subscribe<T = unknown>(method: string, params?: RpcParams, options?: SubscribeOptions): Promise<RpcSubscription<T>>;
  subscribe(method: string, params?: RpcParams, options?: SubscribeOptions & { schema?: StandardSchemaV1 }): Promise<RpcSubscription<unknown>> {
    try {
      checkMethod(method, "subscribe(method): method");
      checkParams(params, "subscribe(method, params): params");
      const settings = checkCallOptions(options, "subscribe(method, params, options): options", this.core.settings.timeoutMillis, true);
      const methods = subscriptionMethods(method, options);
      const refused = this.refusal(settings.signal);
      if (refused !== null) return Promise.reject(refused);
      const spec = { method, params, ...methods, sessionId: settings.sessionId, timeoutMillis: settings.timeoutMillis };
      return this.core.subscribe(spec, settings).catch((error: unknown) => Promise.reject(paramsError(error)));
    } catch (error) {
      return Promise.reject(paramsError(error));
    }
  }

  /**
   * Answers the peer's requests of `method` with `handler` (see `RpcHandler`); a request without a
   * handler is answered -32601. Returns a function that removes the handler.
   */
  handle(method: string, handler: RpcHandler): () => void {
    checkMethod(method, "handle(method, handler): method");
    return this.core.handlers.set(method, handler);
  }

  /**
   * Closes: calls in flight reject with `RpcClosedError`, as every call made afterwards; subscriptions
   * and notification iterators end; the session closes with 1000. Resolves when it has ended.
   */
  async close(): Promise<void> {
    const core = this.core;
    if (core.endedError === null) {
      const closed = (core.endedError = new RpcClosedError("The JsonRpcClient is closed"));
      for (const call of core.calls.select(() => true)) core.calls.fail(call, closed);
      core.subscriptions.endAll(null);
      core.streams.end(null);
    }
    await core.link.close();
  }

  /** `await using rpc = new JsonRpcClient(...)`: `close()` when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Why a call cannot start now: the client is over, or the signal is already aborted. */
  private refusal(signal: AbortSignal | null): Error | null {
    if (this.core.endedError !== null) return this.core.endedError;
    if (signal?.aborted === true) return abortError(signal.reason);
    return null;
  }
}

/** JSON.stringify's own errors (a BigInt, a cycle) said as what they are: params JSON cannot carry. */
function paramsError(error: unknown): unknown {
  if (error instanceof TypeError && /BigInt|circular|cyclic|serialize/i.test(error.message)) {
    return new TypeError(`params must be JSON: ${error.message}`, { cause: error });
  }
  return error;
}
