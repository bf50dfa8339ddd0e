import { WebSocketError, type WebSocketErrorCode, type WebSocketErrorOptions } from "../errors.js";
import type { CloseReason } from "../protocol/close-reason.js";
import { rangeError, typeError } from "../util/describe-value.js";

/** Every error of `kite-ws/rpc`: a call that failed, for whatever reason. */
export class RpcError extends WebSocketError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_RPC";
}

/** The error codes JSON-RPC 2.0 reserves (§5.1); servers use -32000 to -32099 for their own. */
const Codes = Object.freeze({
  /** The peer could not parse the frame as JSON. */
  PARSE_ERROR: -32700,
  /** The message is not a valid request object. */
  INVALID_REQUEST: -32600,
  /** No such method (what a request without a handler is answered). */
  METHOD_NOT_FOUND: -32601,
  /** The method's params are not what it takes. */
  INVALID_PARAMS: -32602,
  /** The method failed (what a handler's non-`JsonRpcError` failure is answered). */
  INTERNAL_ERROR: -32603,
} as const);

/**
 * The peer answered a call with an error object: its `code`, `message` and `data` as sent. A handler
 * (`rpc.handle`) throws one to answer the peer with that error.
 */
export class JsonRpcError extends RpcError {
  /** The class's code; each instance's own `code` is the number the peer answered with. */
  static override readonly code: WebSocketErrorCode = "KITE_ERR_JSON_RPC";
  /** The reserved codes by name: `JsonRpcError.Codes.METHOD_NOT_FOUND` is -32601. */
  static readonly Codes = Codes;
  /** The error code, as the peer sent it (an integer; see `JsonRpcError.Codes`). */
  declare readonly code: number;
  /** The error's `data` member, or undefined when it had none. */
  readonly data: unknown;
  /** The method of the call this answers, when known. */
  readonly method: string | null;

  constructor(code: number, message: string, data?: unknown, options?: WebSocketErrorOptions & { readonly method?: string }) {
    if (!Number.isSafeInteger(code)) {
      throw (typeof code === "number" ? rangeError : typeError)("new JsonRpcError(code): code", "an integer", code);
    }
    if (typeof message !== "string") throw typeError("new JsonRpcError(code, message): message", "a string", message);
    super(message, options);
    (this as { code: number }).code = code;
    this.data = data;
    this.method = options?.method ?? null;
  }
}

/** No answer came within the call's deadline. An answer that comes later is dropped. */
export class RpcTimeoutError extends RpcError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_RPC_TIMEOUT";
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMillis: number;
  /** The method that was called. */
  readonly method: string;

  constructor(method: string, timeoutMillis: number) {
    super(`No answer to ${method} within ${timeoutMillis} ms`);
    this.method = method;
    this.timeoutMillis = timeoutMillis;
  }
}

/**
 * The connection that carried the call ended before its answer came. The peer may or may not have
 * acted on it: a call is sent again only when it was made with `{ retry: true }`. `cause` says why
 * the connection ended, when it failed.
 */
export class RpcConnectionLostError extends RpcError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_RPC_CONNECTION_LOST";
  /** The close reason of the connection that ended, or null when it had none (it was cut). */
  readonly closeReason: CloseReason | null;

  constructor(message: string, closeReason: CloseReason | null, options?: WebSocketErrorOptions) {
    super(message, options);
    this.closeReason = closeReason;
  }
}

/** `close()` was called: calls in flight and calls made afterwards reject with this. */
export class RpcClosedError extends RpcError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_RPC_CLOSED";
}

/** What was wrong with a frame from the peer, as `RpcProtocolError.reason` names it. */
export type RpcProtocolErrorReason =
  | "not-json"
  | "not-a-message"
  | "unknown-id"
  | "missing-batch-answer"
  | "error-without-call";

/**
 * A frame from the peer that is not a message this layer can act on (not JSON, a wrong shape, an
 * answer to no call we made). It never ends the session or reaches a call: it is counted
 * (`rpc.protocolErrors`) and passed to the `onProtocolError` option. A batch entry the peer's batch
 * answer left out is settled with one too.
 */
export class RpcProtocolError extends RpcError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_RPC_PROTOCOL";
  /** What was wrong, as a stable name. */
  readonly reason: RpcProtocolErrorReason;
  /** The start of the frame's text (at most 200 characters), for the log. */
  readonly excerpt: string;

  constructor(reason: RpcProtocolErrorReason, message: string, excerpt: string, options?: WebSocketErrorOptions) {
    super(message, options);
    this.reason = reason;
    this.excerpt = excerpt;
  }
}
