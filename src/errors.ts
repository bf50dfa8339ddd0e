/**
 * The stable code of every `WebSocketError` (`error.code`), for branching without reading messages.
 * docs/errors.md lists each with its class and what to do about it; a code never changes meaning.
 */
export type WebSocketErrorCode =
  | "KITE_ERR_WEBSOCKET"
  | "KITE_ERR_ABORTED"
  | "KITE_ERR_CLIENT_CLOSED"
  | "KITE_ERR_ENGINE_CLOSED"
  | "KITE_ERR_SESSION_CLOSED"
  | "KITE_ERR_UNEXPECTED_MESSAGE"
  | "KITE_ERR_HANDSHAKE"
  | "KITE_ERR_PROXY_CONNECT"
  | "KITE_ERR_CONNECT"
  | "KITE_ERR_TLS"
  | "KITE_ERR_CONNECT_TIMEOUT"
  | "KITE_ERR_PROTOCOL"
  | "KITE_ERR_FRAME_TOO_BIG"
  | "KITE_ERR_RECEIVE_CLOSED"
  | "KITE_ERR_SEND_CLOSED"
  | "KITE_ERR_PING_TIMEOUT"
  | "KITE_ERR_CONNECTION_CLOSED"
  | "KITE_ERR_CLOSE_TIMEOUT"
  | "KITE_ERR_CHANNEL_OVERFLOW"
  | "KITE_ERR_ENGINE_CAPABILITY"
  | "KITE_ERR_PLUGIN_NOT_INSTALLED"
  | "KITE_ERR_NO_CONVERTER"
  | "KITE_ERR_DESERIALIZATION"
  | "KITE_ERR_SCHEMA_VALIDATION"
  | "KITE_ERR_QUEUE_OVERFLOW"
  | "KITE_ERR_RECONNECT_GAVE_UP"
  | "KITE_ERR_RPC"
  | "KITE_ERR_JSON_RPC"
  | "KITE_ERR_RPC_TIMEOUT"
  | "KITE_ERR_RPC_CONNECTION_LOST"
  | "KITE_ERR_RPC_CLOSED"
  | "KITE_ERR_RPC_PROTOCOL"
  | "KITE_ERR_GRAPHQL";

/** Options of every `WebSocketError`: the standard `cause`, and a `code` narrower than the class's own. */
export interface WebSocketErrorOptions {
  /** What led to this error, as `Error`'s own `cause`. */
  readonly cause?: unknown;
  /** The code, where one class covers several cases (`KITE_ERR_ABORTED` on a `WebSocketError`). */
  readonly code?: WebSocketErrorCode;
}

/**
 * Every error kite-ws raises on purpose is a `WebSocketError`, so users can `instanceof` one class to
 * catch ours and narrower classes to tell the cases apart, or branch on the stable `code`.
 */
export class WebSocketError extends Error {
  /** The code of this class's errors, unless one says otherwise (see `code`). */
  static readonly code: WebSocketErrorCode = "KITE_ERR_WEBSOCKET";
  /**
   * A stable code for this kind of failure (docs/errors.md), e.g. `"KITE_ERR_PING_TIMEOUT"`. A number
   * only on `JsonRpcError` (`kite-ws/rpc`): the error code the peer answered with, as JSON-RPC defines it.
   */
  readonly code: WebSocketErrorCode | number;

  constructor(message: string, options?: WebSocketErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options?.code ?? (new.target as typeof WebSocketError).code;
  }
}

/** The status line and headers of an HTTP response, as the handshake saw them. */
export interface HandshakeResponse {
  /** HTTP status code, 101 for a successful upgrade. */
  readonly status: number;
  /** HTTP reason phrase. */
  readonly statusText: string;
  /** Response headers (names are case-insensitive). */
  readonly headers: Headers;
}

/** The server did not accept the upgrade, or answered it in a way RFC 6455 forbids. */
export class WebSocketHandshakeError extends WebSocketError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_HANDSHAKE";
  /** Status code of the response, or 0 when no complete response head arrived. */
  readonly status: number;
  /** Response headers (empty when no complete response head arrived). */
  readonly headers: Headers;
  /** At most the first 4 KiB of the response body, decoded as UTF-8. */
  readonly body: string;
  /** The response as a whole, as Ktor's `WebSocketException.response`. */
  readonly response: HandshakeResponse | null;

  constructor(message: string, response: HandshakeResponse | null = null, body = "", options?: WebSocketErrorOptions) {
    super(message, options);
    this.response = response;
    this.status = response?.status ?? 0;
    this.headers = response?.headers ?? new Headers();
    this.body = body;
  }
}

/**
 * The peer broke RFC 6455. `closeCode` is the code the session closed with:
 * 1002 (protocol error) or 1007 (invalid UTF-8 / inconsistent data).
 */
export class ProtocolViolationError extends WebSocketError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_PROTOCOL";
  /** The close code sent for it: 1002 for a framing or handshake violation, 1007 for bad data. */
  readonly closeCode: number;
  constructor(message: string, closeCode = 1002) {
    super(message);
    this.closeCode = closeCode;
  }
}

/** A frame or a reassembled message is larger than `maxFrameSize` / `maxMessageSize` (close code 1009). */
export class FrameTooBigError extends WebSocketError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_FRAME_TOO_BIG";
  /** The close code sent for it: always 1009 (message too big). */
  readonly closeCode = 1009;
  /** The size that was seen (or announced by a frame header), in bytes. */
  readonly size: number;
  /** The limit that was exceeded, in bytes. */
  readonly limit: number;
  constructor(message: string, size: number, limit: number) {
    super(message);
    this.size = size;
    this.limit = limit;
  }
}

/** `receive()` on an `incoming` channel that is closed. `cause` says why, when the close was abnormal. */
export class ClosedReceiveChannelError extends WebSocketError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_RECEIVE_CLOSED";
}

/** `send()` on an `outgoing` channel that is closed. `cause` says why, when the close was abnormal. */
export class ClosedSendChannelError extends WebSocketError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_SEND_CLOSED";
}

/** No pong answered a ping within `timeoutMillis`: the peer or the path to it is dead. */
export class PingTimeoutError extends WebSocketError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_PING_TIMEOUT";
}

/** The connection ended without a close handshake (close code 1006). */
export class ConnectionClosedError extends WebSocketError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_CONNECTION_CLOSED";
}

/**
 * The peer did not answer our Close frame within `timeoutMillis`, so the connection was cut without
 * a complete close handshake (close code 1006).
 */
export class CloseTimeoutError extends ConnectionClosedError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_CLOSE_TIMEOUT";
  /** How long the session waited for the peer's Close, in milliseconds. */
  readonly timeoutMillis: number;
  constructor(message: string, timeoutMillis: number) {
    super(message);
    this.timeoutMillis = timeoutMillis;
  }
}

/**
 * The connection could not be made: the name did not resolve (`ENOTFOUND`), nothing listened
 * (`ECONNREFUSED`), the connection was reset or the network was unreachable. `systemCode` is the
 * operating system's code and `cause` the original error.
 */
export class ConnectError extends WebSocketError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_CONNECT";
  /** The system's error code (`"ECONNREFUSED"`, `"ENOTFOUND"`, ...), or null when there was none. */
  readonly systemCode: string | null;
  constructor(message: string, systemCode: string | null, options?: WebSocketErrorOptions) {
    super(message, options);
    this.systemCode = systemCode;
  }
}

/**
 * The TLS handshake failed: the certificate was not trusted (self-signed, expired, another host's)
 * or the server did not speak TLS at all. `systemCode` is OpenSSL's or Node's code
 * (`"DEPTH_ZERO_SELF_SIGNED_CERT"`, `"ERR_SSL_WRONG_VERSION_NUMBER"`, ...).
 */
export class TlsError extends ConnectError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_TLS";
}

/** Connecting (TCP, TLS and the HTTP upgrade) took longer than the engine's `connectTimeoutMillis`. */
export class ConnectTimeoutError extends ConnectError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_CONNECT_TIMEOUT";
  constructor(message: string, options?: WebSocketErrorOptions) {
    super(message, null, options);
  }
}

/** A channel with `onOverflow: "close"` was full when another element arrived. */
export class ChannelOverflowError extends WebSocketError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_CHANNEL_OVERFLOW";
}

/** The engine cannot do WebSockets, or cannot do what the configuration asks. */
export class EngineCapabilityError extends WebSocketError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_ENGINE_CAPABILITY";
  /** The engine's name, e.g. "CIO". */
  readonly engine: string;
  /** The capability it lacks, e.g. "websockets" or "pingFrames". */
  readonly capability: string;
  constructor(engine: string, capability: string, detail?: string) {
    super(`The ${engine} engine does not support ${capability}${detail ? `: ${detail}` : ""}`);
    this.engine = engine;
    this.capability = capability;
  }
}

/** A builder was called on a client without the plugin it needs. */
export class PluginNotInstalledError extends WebSocketError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_PLUGIN_NOT_INSTALLED";
}

/** `sendSerialized` / `receiveDeserialized` was called but no `contentConverter` is configured. */
export class ConverterNotFoundError extends WebSocketError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_NO_CONVERTER";
}

/** @internal What an `AbortSignal`'s reason fails a session with: the reason itself when it is an `Error`. */
export function abortError(reason: unknown): Error {
  return reason instanceof Error ? reason : new WebSocketError(`Aborted: ${String(reason)}`, { code: "KITE_ERR_ABORTED" });
}
