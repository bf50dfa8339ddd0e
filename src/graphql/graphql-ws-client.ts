import { ReconnectingWebSocketSession } from "../plugins/reconnect/reconnecting-session.js";
import type { ReconnectCause } from "../plugins/reconnect/policy.js";
import { CloseReason } from "../protocol/close-reason.js";
import { Frame } from "../protocol/frame.js";
import { WebSocketSession } from "../session/websocket-session.js";
import type { InferOutput, StandardSchemaV1 } from "../serialization/standard-schema.js";
import { abortError } from "../errors.js";
import { typeError } from "../util/describe-value.js";
import { ReadGate } from "../rpc/read-gate.js";
import { ReconnectingLink } from "../rpc/reconnecting-link.js";
import { SessionLink } from "../rpc/session-link.js";
import type { LinkListener, RpcLink } from "../rpc/rpc-link.js";
import { RpcClosedError, RpcConnectionLostError } from "../rpc/rpc-errors.js";
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
  private readonly link: RpcLink;
  private readonly gate = new ReadGate();
  private readonly operations = new Map<string, Operation>();
  private lastId = 0;
  /** The connection acknowledged last (for pings and for closing it when it misbehaves). */
  private connection: WebSocketSession | null = null;
  private readonly keepAlive: KeepAlive | null;
  /** Set once the client is over: what every operation ends with. */
  private endedError: Error | null = null;
  /** A plain session: operations wait for its one acknowledgement. */
  private readonly ready: Promise<void>;

  constructor(session: RpcSession, options?: GraphQLWsClientOptions) {
    this.settings = checkClientOptions(options);
    const { keepAliveMillis, pongTimeoutMillis } = this.settings;
    this.keepAlive =
      keepAliveMillis === null
        ? null
        : new KeepAlive(keepAliveMillis, pongTimeoutMillis, () => void this.connection?.send(ping()).catch(() => {}), () => this.connection?.terminate());
    if (session instanceof ReconnectingWebSocketSession) {
      this.link = new ReconnectingLink(session);
      session.addRetryRule(retryRule);
      this.ready = Promise.resolve();
      this.link.start(this satisfies LinkListener, this.gate);
    } else if (session instanceof WebSocketSession) {
      const link = (this.link = new SessionLink(session));
      this.ready = connectionHandshake(session, this.settings.connectionParams, this.settings.ackTimeoutMillis).then(
        () => {
          this.acknowledged(session);
          link.start(this satisfies LinkListener, this.gate);
        },
        async (error: unknown) => {
          // The opening failed (no ack, a refusal by close code, a connectionParams that threw).
          const failure = await openingError(error, session);
          this.endedError ??= failure;
          this.finish(this.endedError, false);
          throw this.endedError;
        },
      );
      this.ready.catch(() => {});
    } else {
      throw typeError("new GraphQLWsClient(session): session", "a WebSocket session or a ReconnectingWebSocketSession", session);
    }
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
    await this.link.close();
  }

  /** `await using gql = new GraphQLWsClient(...)`: `close()` when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @internal */
  stop(operation: Operation): void {
    if (this.operations.get(operation.id) !== operation) return;
    this.operations.delete(operation.id);
    if (this.endedError === null) void this.send(complete(operation.id));
  }

  /** @internal */
  onFrame(frame: Frame): void {
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
        this.operations.delete(message.id);
        operation?.end(new GraphQLWsError(message.payload.map((error) => error.message).join("; ") || "The operation failed", message.payload));
        return;
      }
      case "complete": {
        const operation = this.operations.get(message.id);
        this.operations.delete(message.id);
        operation?.end(null);
        return;
      }
    }
  }

  /** @internal */
  onConnectionLost(epoch: number, reason: CloseReason | null, error: Error | null): void {
    this.keepAlive?.stop();
    this.connection = null;
    if (reason !== null && FATAL_CLOSE_CODES.has(reason.code)) {
      this.endedError ??= closedBy(reason);
      this.finish(this.endedError, false);
      void this.link.close();
      return;
    }
    for (const operation of [...this.operations.values()]) {
      if (operation.resumable || operation.epoch > epoch) continue;
      this.operations.delete(operation.id);
      operation.end(new RpcConnectionLostError(`The connection ended before the operation was answered${describe(reason)}`, reason, error ? { cause: error } : undefined));
    }
  }

  /** @internal A new connection of a reconnecting session: the protocol's opening, then the operations it carried before. */
  async onReconnect(session: WebSocketSession): Promise<void> {
    await connectionHandshake(session, this.settings.connectionParams, this.settings.ackTimeoutMillis);
    const epoch = this.link.sendEpoch;
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

  /** @internal */
  onEnded(reason: CloseReason | null, error: Error | null): void {
    this.keepAlive?.stop();
    const byUs = this.endedError !== null;
    this.endedError ??= reason !== null && (FATAL_CLOSE_CODES.has(reason.code) || RETRIED_CLOSE_CODES.has(reason.code))
      ? closedBy(reason)
      : new RpcConnectionLostError(`The session ended${describe(reason)}`, reason, error ? { cause: error } : undefined);
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
    this.operations.set(id, operation);
    void this.ready.then(() => {
      if (operation.isEnded) return;
      operation.epoch = this.link.sendEpoch;
      return this.send(operation.message);
    }, () => {});
    return operation;
  }

  /** Sends a message; one that cannot go out (the session is closed) is the connection's end, seen elsewhere. */
  private send(text: string): Promise<void> {
    return this.link.send(text).catch(() => {});
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
  return new GraphQLWsError(`The server closed the connection: ${reason.code}${reason.message === "" ? "" : ` ${reason.message}`}`, [], reason.code);
}

function describe(reason: CloseReason | null): string {
  return reason === null ? "" : ` (${reason.code}${reason.message === "" ? "" : ` ${reason.message}`})`;
}
