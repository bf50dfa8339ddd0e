import { checkDuration, checkKeys, checkWhole, isOptionsObject } from "../engine/config-checks.js";
import { checkChoice } from "../util/checks.js";
import { typeError } from "../util/describe-value.js";
import type { Duration } from "../util/duration.js";
import type { StandardSchemaV1 } from "../serialization/standard-schema.js";
import { requireSchema } from "../serialization/schema-validation.js";
import type { RpcDialect, RpcParams } from "./message-codec.js";
import type { RpcProtocolError } from "./rpc-errors.js";

/** Options of a `JsonRpcClient`. */
export interface JsonRpcClientOptions {
  /** Each call's default deadline: a duration ("10s", or milliseconds), or null for none. Default "30s". */
  readonly timeout?: Duration | null;
  /** `"jsonrpc2"` (the default) or `"cdp"`, the Chrome DevTools Protocol's messages. */
  readonly dialect?: RpcDialect;
  /** Told about each frame from the peer that this layer could not act on (one call per bad frame). */
  readonly onProtocolError?: (error: RpcProtocolError) => void;
  /**
   * Notifications a subscription or `notifications()` iterator buffers for a slow consumer before the
   * socket stops being read (backpressure). Default 1024.
   */
  readonly bufferSize?: number;
}

/** Options of one call. */
export interface CallOptions {
  /** This call's deadline, instead of the client's `timeout`; null for none. */
  readonly timeout?: Duration | null;
  /** Aborting it rejects the call with the signal's reason (the answer, if it comes, is dropped). */
  readonly signal?: AbortSignal;
  /**
   * The call is idempotent: over a reconnecting session, if its connection ends before the answer,
   * it is sent again on the next connection instead of rejecting with `RpcConnectionLostError`.
   */
  readonly retry?: boolean;
  /** `"cdp"` dialect: the target session the call is for (`Target.attachToTarget` with `flatten`). */
  readonly sessionId?: string;
}

/** Options of a call whose result is checked against a Standard Schema. */
export interface SchemaCallOptions<S extends StandardSchemaV1> extends CallOptions {
  /** Checks the result; a failure rejects with `SchemaValidationError`. The call resolves with the schema's output. */
  readonly schema: S;
}

/** Options of `subscribe`. */
export interface SubscribeOptions extends CallOptions {
  /**
   * The method that ends a subscription, called with `[id]`. Default: derived from the subscribe
   * method (`eth_subscribe` → `eth_unsubscribe`, `accountSubscribe` → `accountUnsubscribe`).
   */
  readonly unsubscribe?: string;
  /**
   * The method of the notifications that carry the subscription's items, whose params are
   * `{ subscription: id, result }`. Default: derived (`eth_subscribe` → `eth_subscription`,
   * `accountSubscribe` → `accountNotification`).
   */
  readonly notification?: string;
}

/** Options of `subscribe` with the items checked against a Standard Schema. */
export interface SchemaSubscribeOptions<S extends StandardSchemaV1> extends SubscribeOptions {
  /** Checks each item; a failure ends the iteration with `SchemaValidationError`. Items are the schema's output. */
  readonly schema: S;
}

/** Options of `notifications()`. */
export interface NotificationsOptions {
  /** `"cdp"` dialect: only the events of this target session. */
  readonly sessionId?: string;
  /** Ends the iteration when aborted. */
  readonly signal?: AbortSignal;
}

/** One call of a batch: the method and its params. */
export type BatchEntry = readonly [method: string] | readonly [method: string, params: RpcParams | undefined];

/** Options of a batch: one deadline and one signal for all its calls. */
export interface BatchOptions {
  /** The batch's deadline, instead of the client's `timeout`; null for none. */
  readonly timeout?: Duration | null;
  /** Aborting it rejects the batch with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** @internal The client's options, checked. */
export interface ClientSettings {
  readonly timeoutMillis: number | null;
  readonly dialect: RpcDialect;
  readonly onProtocolError: ((error: RpcProtocolError) => void) | null;
  readonly bufferSize: number;
}

const DEFAULT_TIMEOUT_MILLIS = 30_000;
const DEFAULT_BUFFER_SIZE = 1024;

/** @internal Checks the constructor's options. */
export function checkClientOptions(options: unknown): ClientSettings {
  if (options === undefined) return { timeoutMillis: DEFAULT_TIMEOUT_MILLIS, dialect: "jsonrpc2", onProtocolError: null, bufferSize: DEFAULT_BUFFER_SIZE };
  if (!isOptionsObject(options)) throw typeError("new JsonRpcClient(session, options): options", "an object", options);
  checkKeys(options, "new JsonRpcClient(session, options): options", ["timeout", "dialect", "onProtocolError", "bufferSize"]);
  const { timeout, dialect, onProtocolError, bufferSize } = options;
  if (onProtocolError !== undefined && typeof onProtocolError !== "function") {
    throw typeError("options.onProtocolError", "a function (error) => void", onProtocolError);
  }
  return {
    timeoutMillis: timeout === undefined ? DEFAULT_TIMEOUT_MILLIS : checkTimeout(timeout, "options.timeout"),
    dialect: dialect === undefined ? "jsonrpc2" : checkChoice<RpcDialect>(dialect, "options.dialect", ["jsonrpc2", "cdp"]),
    onProtocolError: (onProtocolError as ClientSettings["onProtocolError"]) ?? null,
    bufferSize: bufferSize === undefined ? DEFAULT_BUFFER_SIZE : checkWhole(bufferSize, "options.bufferSize", 1, "notifications"),
  };
}

/** @internal A deadline option: a duration, or null for none. */
export function checkTimeout(value: unknown, name: string): number | null {
  return value === null ? null : checkDuration(value, name);
}

/** @internal Checks a method name: a non-empty string. */
export function checkMethod(value: unknown, name: string): string {
  if (typeof value !== "string" || value === "") throw typeError(name, "a method name (a non-empty string)", value);
  return value;
}

/** @internal Checks params: undefined, an array or a plain object (JSON-RPC §4.2: structured values only). */
export function checkParams(value: unknown, name: string): RpcParams | undefined {
  if (value === undefined || Array.isArray(value)) return value as RpcParams | undefined;
  if (isOptionsObject(value)) return value;
  throw typeError(name, "an array, an object or undefined (JSON-RPC params are by position or by name)", value);
}

/** @internal An optional `signal` option: an AbortSignal or undefined (null when absent). */
export function checkOptionalSignal(value: unknown, name: string): AbortSignal | null {
  if (value === undefined) return null;
  if (!(value instanceof AbortSignal)) throw typeError(name, "an AbortSignal", value);
  return value;
}

/** @internal An optional `sessionId` option (the DevTools dialect's target session): a non-empty string. */
export function checkOptionalSessionId(value: unknown, name: string): string | undefined {
  if (value !== undefined && (typeof value !== "string" || value === "")) throw typeError(name, "a non-empty string", value);
  return value;
}

/** @internal The checked options of `notifications()`. */
export function checkNotificationsOptions(options: unknown): { sessionId: string | undefined; signal: AbortSignal | null } {
  const name = "notifications(method, options): options";
  if (options === undefined) return { sessionId: undefined, signal: null };
  if (!isOptionsObject(options)) throw typeError(name, "an object", options);
  checkKeys(options, name, ["sessionId", "signal"]);
  return { sessionId: checkOptionalSessionId(options.sessionId, `${name}.sessionId`), signal: checkOptionalSignal(options.signal, `${name}.signal`) };
}

/** @internal The checked options of `batch()`: one deadline and one signal for all its calls. */
export function checkBatchOptions(options: unknown, defaultTimeout: number | null): { timeoutMillis: number | null; signal: AbortSignal | null } {
  const name = "batch(entries, options): options";
  if (options === undefined) return { timeoutMillis: defaultTimeout, signal: null };
  if (!isOptionsObject(options)) throw typeError(name, "an object", options);
  checkKeys(options, name, ["timeout", "signal"]);
  const { timeout, signal } = options;
  return { timeoutMillis: timeout === undefined ? defaultTimeout : checkTimeout(timeout, `${name}.timeout`), signal: checkOptionalSignal(signal, `${name}.signal`) };
}

/** @internal The checked options of one call. */
export interface CallSettings {
  readonly timeoutMillis: number | null;
  readonly signal: AbortSignal | null;
  readonly retry: boolean;
  readonly sessionId: string | undefined;
  readonly schema: StandardSchemaV1 | null;
}

const CALL_KEYS = ["timeout", "signal", "retry", "sessionId", "schema"] as const;
const SUBSCRIBE_KEYS = [...CALL_KEYS, "unsubscribe", "notification"] as const;

/** @internal Checks a call's (or a subscription's) options; `defaultTimeout` is the client's. */
export function checkCallOptions(options: unknown, name: string, defaultTimeout: number | null, subscribe = false): CallSettings {
  if (options === undefined) return { timeoutMillis: defaultTimeout, signal: null, retry: false, sessionId: undefined, schema: null };
  if (!isOptionsObject(options)) throw typeError(name, "an object", options);
  checkKeys(options, name, subscribe ? SUBSCRIBE_KEYS : CALL_KEYS);
  const { timeout, signal, retry, sessionId, schema } = options;
  if (retry !== undefined && typeof retry !== "boolean") throw typeError(`${name}.retry`, "a boolean", retry);
  if (schema !== undefined) requireSchema(schema);
  return {
    timeoutMillis: timeout === undefined ? defaultTimeout : checkTimeout(timeout, `${name}.timeout`),
    signal: checkOptionalSignal(signal, `${name}.signal`),
    retry: retry ?? false,
    sessionId: checkOptionalSessionId(sessionId, `${name}.sessionId`),
    schema: (schema as StandardSchemaV1 | undefined) ?? null,
  };
}

/** @internal The methods a subscription ends with and is notified by, given or derived from its subscribe method. */
export function subscriptionMethods(method: string, options: unknown): { unsubscribe: string; notification: string } {
  const given = (options ?? {}) as { unsubscribe?: unknown; notification?: unknown };
  const derived = deriveMethods(method);
  const unsubscribe = given.unsubscribe === undefined ? derived?.unsubscribe : checkMethod(given.unsubscribe, "subscribe(method, params, options): options.unsubscribe");
  const notification = given.notification === undefined ? derived?.notification : checkMethod(given.notification, "subscribe(method, params, options): options.notification");
  if (unsubscribe === undefined || notification === undefined) {
    throw new TypeError(
      `subscribe(${JSON.stringify(method)}): options.unsubscribe and options.notification name the methods that end the subscription and carry its items; they are derived only from names like "eth_subscribe" or "accountSubscribe"`,
    );
  }
  return { unsubscribe, notification };
}

function deriveMethods(method: string): { unsubscribe: string; notification: string } | null {
  const snake = /^(.+)_subscribe$/.exec(method);
  if (snake !== null) return { unsubscribe: `${snake[1]}_unsubscribe`, notification: `${snake[1]}_subscription` };
  const camel = /^(.+)Subscribe$/.exec(method);
  if (camel !== null) return { unsubscribe: `${camel[1]}Unsubscribe`, notification: `${camel[1]}Notification` };
  return null;
}
