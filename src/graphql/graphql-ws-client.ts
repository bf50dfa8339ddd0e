import { ReconnectingWebSocketSession } from "../plugins/reconnect/reconnecting-session.js";
import type { ReconnectCause } from "../plugins/reconnect/policy.js";
import { CloseReason } from "../protocol/close-reason.js";
import { Frame } from "../protocol/frame.js";
import { WebSocketSession } from "../session/websocket-session.js";
import type { InferOutput, StandardSchemaV1 } from "../serialization/standard-schema.js";
import { abortError } from "../errors.js";
import { typeError } from "../util/describe-value.js";
import { backgroundTimer } from "../util/timers.js";
import { ReadGate } from "../rpc/read-gate.js";
import { ReconnectingLink } from "../rpc/reconnecting-link.js";
import { SessionLink } from "../rpc/session-link.js";
import type { LinkListener, RpcLink } from "../rpc/rpc-link.js";
import { RpcClosedError, RpcConnectionLostError } from "../rpc/rpc-errors.js";
import { describeReason } from "../rpc/rpc-core.js";
import type { RpcSession } from "../rpc/json-rpc-client.js";
import { connectionHandshake } from "./connection-handshake.js";
import { GraphQLWsError } from "./graphql-errors.js";
import type { ExecutionResult, GraphQLRequest } from "./graphql-types.js";
import { checkClientOptions, checkOperationOptions, requestPayload, type ClientSettings, type GraphQLWsClientOptions, type OperationOptions, type SchemaOperationOptions } from "./graphql-options.js";
import { KeepAlive } from "./keep-alive.js";
import { Operation, type OperationHost } from "./operation.js";
import { CloseCodes, FATAL_CLOSE_CODES, RETRIED_CLOSE_CODES, complete, parseServerMessage, ping, pong, subscribe } from "./protocol-messages.js";

/**
 * A GraphQL client for the `graphql-transport-ws` protocol (graphql-ws's), over a session or a
 * reconnecting one: `connection_init` and its ack on every connection, pings both ways, operations as
 * `subscribe` / `next` / `error` / `complete`, subscriptions made again after a reconnect, and the
 * protocol's close codes deciding between retrying and giving up. It reads every message of the session.
 *
 * @example
 * const gql = new GraphQLWsClient(client.reconnectingSession({ url, protocols: ["graphql-transport-ws"] }));
 * for await (const { data } of gql.subscribe({ query: "subscription { ticks }" })) console.log(data);
 */
export class GraphQLWsClient implements AsyncDisposable {
  private readonly settings: ClientSettings;
  /** The session's link; null before a lazy client's first operation and after its idle close. */
  private link: RpcLink | null = null;
  /** Makes a session for a lazy client, or null. */
  private readonly factory: (() => RpcSession) | null;
  private readonly gate = new ReadGate();
  private readonly operations = new Map<string, Operation>();
  private lastId = 0;
  /** The connection acknowledged last (for pings and for closing it when it misbehaves). */
  private connection: WebSocketSession | null = null;
  private readonly keepAlive: KeepAlive | null;
  /** Set once the client is over: what every operation ends with. */
  private endedError: Error | null = null;
  /** Operations wait for this before they are sent: a plain session's one acknowledgement. */
  private ready: Promise<void> = Promise.resolve();
  /** A lazy client's wait after its last operation before it closes the session. */
  private idleTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * Over `session`, or lazily over sessions `session()` makes: then nothing connects before the first
   * operation, and the session is closed `lazyCloseTimeout` after the last one ends.
   */
  constructor(session: RpcSession | (() => RpcSession), options?: GraphQLWsClientOptions) {
    this.settings = checkClientOptions(options);
    const { keepAliveMillis, pongTimeoutMillis } = this.settings;
    this.keepAlive =
      keepAliveMillis === null
        ? null
        : new KeepAlive(keepAliveMillis, pongTimeoutMillis, () => void this.connection?.send(ping()).catch(() => {}), () => this.connection?.terminate());
    if (typeof session === "function") {
      this.factory = session;
    } else {
      this.factory = null;
      this.attach(session, "new GraphQLWsClient(session): session");
    }
  }

  /** Takes `session` as the client's: starts its reading, and for a plain session its opening. */
  private attach(session: unknown, name: string): RpcLink {
    if (session instanceof ReconnectingWebSocketSession) {
      const link = (this.link = new ReconnectingLink(session));
      session.addRetryRule(retryRule);
      this.ready = Promise.resolve();
      link.start(this.listenerFor(link), this.gate);
      return link;
    }
    if (!(session instanceof WebSocketSession)) {
      throw typeError(name, "a WebSocket session or a ReconnectingWebSocketSession", session);
    }
    const link = (this.link = new SessionLink(session));
    this.ready = connectionHandshake(session, this.settings.connectionParams, this.settings.ackTimeoutMillis).then(
      () => {
        if (this.link !== link) return;
        this.acknowledged(session);
        link.start(this.listenerFor(link), this.gate);
      },
      async (error: unknown) => {
        // The opening failed (no ack, a refusal by close code, a connectionParams that threw).
        const failure = await openingError(error, session);
        if (this.link !== link) throw failure;
        this.endedError ??= failure;
        this.finish(this.endedError, false);
        throw this.endedError;
      },
    );
    this.ready.catch(() => {});
    return link;
  }

  /** The link's events, for as long as it is the client's (a lazy client's earlier links are ignored). */
  private listenerFor(link: RpcLink): LinkListener {
    return {
      onFrame: (frame) => {
        if (this.link === link) this.onFrame(frame);
      },
      onConnectionLost: (epoch, reason, error) => {
        if (this.link === link) this.onConnectionLost(epoch, reason, error);
      },
      onReconnect: (session) => this.onReconnect(session, link),
      onEnded: (reason, error) => {
        if (this.link === link) this.onEnded(reason, error);
      },
    };
  }

  /** Operations running (subscriptions, and executions not answered yet). */
  get activeOperations(): number {
    return this.operations.size;
  }

  /**
   * Runs a query or a mutation and resolves with its result (`data`, and `errors` a resolver gave).
   * An `error` message from the server rejects with `GraphQLWsError`; a lost connection with
   * `RpcConnectionLostError` (unless `retry`: then it is sent again on the next connection).
   */
  execute<S extends StandardSchemaV1>(request: GraphQLRequest, options: SchemaOperationOptions<S>): Promise<ExecutionResult<InferOutput<S>>>;
  execute<TData = Record<string, unknown>, TVariables = Record<string, unknown>>(request: GraphQLRequest<TData, TVariables>, options?: OperationOptions): Promise<ExecutionResult<TData>>;
  async execute(request: unknown, options?: OperationOptions & { schema?: StandardSchemaV1 }): Promise<ExecutionResult<unknown>> {
    const operation = this.start(request, options, "single");
    const first = await operation.next();
    if (first.done === true) throw new GraphQLWsError("The server completed the operation without a result");
    return first.value;
  }

  /**
   * Starts a subscription: an async iterator over its results. `break` sends `complete`; an `error`
   * message ends it with `GraphQLWsError`. Over a reconnecting session it is subscribed again after
   * each new connection's ack.
   */
  subscribe<S extends StandardSchemaV1>(request: GraphQLRequest, options: SchemaOperationOptions<S>): AsyncIterableIterator<ExecutionResult<InferOutput<S>>>;
  subscribe<TData = Record<string, unknown>, TVariables = Record<string, unknown>>(request: GraphQLRequest<TData, TVariables>, options?: OperationOptions): AsyncIterableIterator<ExecutionResult<TData>>;
  subscribe(request: unknown, options?: OperationOptions & { schema?: StandardSchemaV1 }): AsyncIterableIterator<ExecutionResult<unknown>> {
    return this.start(request, options, "subscription");
  }

  /** Ends every operation and closes the session with 1000 (a reconnecting one stops for good). */
  async close(): Promise<void> {
    if (this.endedError === null) this.finish((this.endedError = new RpcClosedError("The GraphQLWsClient is closed")), true);
    this.cancelIdle();
    await this.link?.close();
  }

  /** `await using gql = new GraphQLWsClient(...)`: `close()` when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @internal */
  stop(operation: Operation): void {
    if (this.operations.get(operation.id) !== operation) return;
    if (this.endedError === null) void this.send(complete(operation.id));
    this.forget(operation.id);
  }

  private onFrame(frame: Frame): void {
    const message = frame instanceof Frame.Text ? parseServerMessage(frame.readText()) : null;
    if (message === null) {
      // PROTOCOL.md: a message that is not valid closes the connection with 4400.
      void this.connection?.close(new CloseReason(CloseCodes.BAD_REQUEST, "Invalid message received"));
      return;
    }
    switch (message.type) {
      case "ping":
        void this.send(pong());
        return;
      case "pong":
        this.keepAlive?.pong();
        return;
      case "connection_ack":
        return;
      case "next":
        this.operations.get(message.id)?.push(message.payload, frame);
        return;
      case "error": {
        const operation = this.operations.get(message.id);
        this.forget(message.id);
        operation?.end(new GraphQLWsError(message.payload.map((error) => error.message).join("; ") || "The operation failed", message.payload));
        return;
      }
      case "complete": {
        const operation = this.operations.get(message.id);
        this.forget(message.id);
        operation?.end(null);
        return;
      }
    }
  }

  private onConnectionLost(epoch: number, reason: CloseReason | null, error: Error | null): void {
    this.keepAlive?.stop();
    this.connection = null;
    if (reason !== null && FATAL_CLOSE_CODES.has(reason.code)) {
      this.endedError ??= closedBy(reason);
      this.finish(this.endedError, false);
      void this.link?.close();
      return;
    }
    for (const operation of [...this.operations.values()]) {
      if (operation.resumable || operation.epoch > epoch) continue;
      this.forget(operation.id);
      operation.end(new RpcConnectionLostError(`The connection ended before the operation was answered${describeReason(reason)}`, reason, error ? { cause: error } : undefined));
    }
  }

  /** A new connection of a reconnecting session: the protocol's opening, then the operations it carried before. */
  private async onReconnect(session: WebSocketSession, link: RpcLink): Promise<void> {
    await connectionHandshake(session, this.settings.connectionParams, this.settings.ackTimeoutMillis);
    const epoch = link.sendEpoch;
    const resent: Operation[] = [];
    try {
      for (const operation of this.operations.values()) {
        // One made while disconnected waits in the replay queue and goes out after this hook.
        if (operation.epoch >= epoch || !operation.resumable) continue;
        operation.epoch = epoch;
        resent.push(operation);
        await session.send(operation.message);
      }
    } catch (error) {
      // This connection never got ready: the next one subscribes them again.
      for (const operation of resent) operation.epoch = epoch - 1;
      throw error;
    }
    this.acknowledged(session);
  }

  private onEnded(reason: CloseReason | null, error: Error | null): void {
    this.keepAlive?.stop();
    const byUs = this.endedError !== null;
    this.endedError ??= reason !== null && (FATAL_CLOSE_CODES.has(reason.code) || RETRIED_CLOSE_CODES.has(reason.code))
      ? closedBy(reason)
      : new RpcConnectionLostError(`The session ended${describeReason(reason)}`, reason, error ? { cause: error } : undefined);
    this.finish(this.endedError, byUs && this.endedError instanceof RpcClosedError);
  }

  private acknowledged(session: WebSocketSession): void {
    this.connection = session;
    this.keepAlive?.start();
  }

  private start(request: unknown, options: unknown, kind: Operation["kind"]): Operation {
    const payload = requestPayload(request);
    const { signal, retry, schema } = checkOperationOptions(options, kind === "single" ? "execute" : "subscribe");
    const id = String(++this.lastId);
    const operation = new Operation(id, subscribe(id, payload), kind, kind === "subscription" || retry, schema, this.settings.bufferSize, this.gate, this satisfies OperationHost);
    const refused = this.endedError ?? (signal?.aborted === true ? abortError(signal.reason) : null);
    if (refused !== null) {
      operation.end(refused);
      return operation;
    }
    if (signal !== null) {
      const onAbort = (): void => {
        if (operation.isEnded) return;
        this.stop(operation);
        operation.end(abortError(signal.reason));
      };
      signal.addEventListener("abort", onAbort, { once: true });
    }
    this.cancelIdle();
    const link = this.link ?? this.attach(this.factory?.(), "new GraphQLWsClient(session): session()");
    this.operations.set(id, operation);
    void this.ready.then(() => {
      if (operation.isEnded || this.link !== link) return;
      operation.epoch = link.sendEpoch;
      return this.send(operation.message);
    }, () => {});
    return operation;
  }

  /** Sends a message; one that cannot go out (the session is closed) is the connection's end, seen elsewhere. */
  private send(text: string): Promise<void> {
    return this.link === null ? Promise.resolve() : this.link.send(text).catch(() => {});
  }

  /** Forgets an operation that ended; a lazy client with none left closes its session after `lazyCloseTimeout`. */
  private forget(id: string): void {
    this.operations.delete(id);
    if (this.factory === null || this.operations.size > 0 || this.link === null || this.endedError !== null) return;
    this.cancelIdle();
    this.idleTimer = backgroundTimer(() => {
      const link = this.link;
      if (link === null || this.operations.size > 0) return;
      this.link = null;
      this.connection = null;
      this.keepAlive?.stop();
      void link.close();
    }, this.settings.lazyCloseTimeoutMillis);
  }

  private cancelIdle(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** Ends every operation: subscriptions finish (cleanly when `clean`), executions reject with `error`. */
  private finish(error: Error, clean: boolean): void {
    const operations = [...this.operations.values()];
    this.operations.clear();
    for (const operation of operations) operation.end(clean && operation.kind === "subscription" ? null : error);
  }
}

/** What the protocol's close codes mean to a reconnecting session: the fatal ones stop it, the others are retried. */
function retryRule(cause: ReconnectCause): boolean | undefined {
  const code = cause instanceof CloseReason ? cause.code : cause instanceof GraphQLWsError ? cause.closeCode : null;
  if (code === null) return undefined;
  if (FATAL_CLOSE_CODES.has(code)) return false;
  if (RETRIED_CLOSE_CODES.has(code)) return true;
  return undefined;
}

/** Why the opening of a plain session failed: the server's close code when it closed, else what was thrown. */
async function openingError(error: unknown, session: WebSocketSession): Promise<Error> {
  if (error instanceof GraphQLWsError) return error;
  void session.close();
  const reason = await session.closeReason;
  if (reason !== null && (FATAL_CLOSE_CODES.has(reason.code) || RETRIED_CLOSE_CODES.has(reason.code))) return closedBy(reason);
  const message = error instanceof Error ? error.message : String(error);
  return new GraphQLWsError(`The connection was not acknowledged: ${message}`, [], reason?.code ?? null, { cause: error });
}

function closedBy(reason: CloseReason): GraphQLWsError {
  return new GraphQLWsError(`The server closed the connection${describeReason(reason)}`, [], reason.code);
}
