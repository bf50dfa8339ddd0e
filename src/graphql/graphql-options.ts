import { checkDuration, checkKeys, checkWhole, isOptionsObject } from "../engine/config-checks.js";
import type { Duration } from "../util/duration.js";
import { typeError } from "../util/describe-value.js";
import type { StandardSchemaV1 } from "../serialization/standard-schema.js";
import { requireSchema } from "../serialization/schema-validation.js";
import { checkOptionalSignal } from "../rpc/rpc-options.js";
import type { ConnectionParams } from "./connection-handshake.js";
import type { GraphQLRequest } from "./graphql-types.js";

/** Options of a `GraphQLWsClient`. */
export interface GraphQLWsClientOptions {
  /** The payload of `connection_init`: an object, or a function (sync or async) evaluated on every connection. */
  readonly connectionParams?: ConnectionParams;
  /** How long the server has to answer `connection_init` with `connection_ack`. Default "10s". */
  readonly ackTimeout?: Duration;
  /** Sends a `ping` this often while connected, or null (the default) for none. */
  readonly keepAlive?: Duration | null;
  /** With `keepAlive`: a `pong` not back within this ends the connection as dead. Default "10s". */
  readonly pongTimeout?: Duration;
  /** Results a subscription buffers for a slow loop before the socket stops being read. Default 1024. */
  readonly bufferSize?: number;
  /** A lazy client (given a function that makes sessions): how long it stays connected after its last operation. Default 0. */
  readonly lazyCloseTimeout?: Duration;
}

/** Options of one operation. */
export interface OperationOptions {
  /** Aborting it stops the operation (`complete` is sent) and rejects or ends it with the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * `execute` only: the operation is idempotent (a query), so over a reconnecting session it is sent
   * again on the next connection if this one ends before its result.
   */
  readonly retry?: boolean;
}

/** Options of an operation whose `data` is checked against a Standard Schema. */
export interface SchemaOperationOptions<S extends StandardSchemaV1> extends OperationOptions {
  /** Checks each result's `data`; a failure rejects (or ends the loop) with `SchemaValidationError`. */
  readonly schema: S;
}

/** @internal */
export interface ClientSettings {
  readonly connectionParams: ConnectionParams | undefined;
  readonly ackTimeoutMillis: number;
  readonly keepAliveMillis: number | null;
  readonly pongTimeoutMillis: number;
  readonly bufferSize: number;
  readonly lazyCloseTimeoutMillis: number;
}

/** @internal */
export function checkClientOptions(options: unknown): ClientSettings {
  const name = "new GraphQLWsClient(session, options): options";
  if (options !== undefined && !isOptionsObject(options)) throw typeError(name, "an object", options);
  const given = options ?? {};
  checkKeys(given, name, ["connectionParams", "ackTimeout", "keepAlive", "pongTimeout", "bufferSize", "lazyCloseTimeout"]);
  const { connectionParams, ackTimeout, keepAlive, pongTimeout, bufferSize, lazyCloseTimeout } = given;
  if (connectionParams !== undefined && typeof connectionParams !== "function" && !isOptionsObject(connectionParams)) {
    throw typeError("options.connectionParams", "an object or a function () => object | Promise<object>", connectionParams);
  }
  return {
    connectionParams: connectionParams as ConnectionParams | undefined,
    ackTimeoutMillis: ackTimeout === undefined ? 10_000 : checkDuration(ackTimeout, "options.ackTimeout"),
    keepAliveMillis: keepAlive === undefined || keepAlive === null ? null : checkDuration(keepAlive, "options.keepAlive"),
    pongTimeoutMillis: pongTimeout === undefined ? 10_000 : checkDuration(pongTimeout, "options.pongTimeout"),
    bufferSize: bufferSize === undefined ? 1024 : checkWhole(bufferSize, "options.bufferSize", 1, "results"),
    lazyCloseTimeoutMillis: lazyCloseTimeout === undefined ? 0 : checkDuration(lazyCloseTimeout, "options.lazyCloseTimeout", { zero: true }),
  };
}

/** @internal */
export function checkOperationOptions(options: unknown, method: string): { signal: AbortSignal | null; retry: boolean; schema: StandardSchemaV1 | null } {
  const name = `${method}(request, options): options`;
  if (options === undefined) return { signal: null, retry: false, schema: null };
  if (!isOptionsObject(options)) throw typeError(name, "an object", options);
  checkKeys(options, name, method === "execute" ? ["signal", "retry", "schema"] : ["signal", "schema"]);
  const { signal, retry, schema } = options;
  if (retry !== undefined && typeof retry !== "boolean") throw typeError(`${name}.retry`, "a boolean", retry);
  if (schema !== undefined) requireSchema(schema);
  return { signal: checkOptionalSignal(signal, `${name}.signal`), retry: retry ?? false, schema: (schema as StandardSchemaV1 | undefined) ?? null };
}

/** @internal The `subscribe` message's payload of a request, checked: the document's text, and what else it has. */
export function requestPayload(request: unknown): { query: string; variables?: unknown; operationName?: string; extensions?: unknown } {
  if (!isOptionsObject(request)) throw typeError("request", "an object { query, variables?, operationName?, extensions? }", request);
  const { query, variables, operationName, extensions } = request as GraphQLRequest<unknown, unknown> & Record<string, unknown>;
  const text = typeof query === "string" ? query : (query as { loc?: { source?: { body?: unknown } } } | null | undefined)?.loc?.source?.body;
  if (typeof text !== "string" || text.trim() === "") {
    throw typeError("request.query", "a GraphQL document: its text, or a parsed DocumentNode with its source (loc.source.body)", query);
  }
  if (variables !== undefined && variables !== null && !isOptionsObject(variables)) throw typeError("request.variables", "an object", variables);
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string") throw typeError("request.operationName", "a string", operationName);
  if (extensions !== undefined && extensions !== null && !isOptionsObject(extensions)) throw typeError("request.extensions", "an object", extensions);
  return { query: text, variables: variables ?? undefined, operationName: operationName ?? undefined, extensions: extensions ?? undefined };
}
