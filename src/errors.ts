import type { Frame } from "./protocol/frame.js";
import type { StandardSchemaV1Issue } from "./serialization/standard-schema.js";

/**
 * Every error kite-ws raises on purpose is a `WebSocketError`, so users can `instanceof` one class to
 * catch ours and narrower classes to tell the cases apart.
 */
export class WebSocketError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
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
  /** Status code of the response, or 0 when no complete response head arrived. */
  readonly status: number;
  /** Response headers (empty when no complete response head arrived). */
  readonly headers: Headers;
  /** At most the first 4 KiB of the response body, decoded as UTF-8. */
  readonly body: string;
  /** The response as a whole, as Ktor's `WebSocketException.response`. */
  readonly response: HandshakeResponse | null;

  constructor(message: string, response: HandshakeResponse | null = null, body = "", options?: { cause?: unknown }) {
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
  /** The close code sent for it: 1002 for a framing or handshake violation, 1007 for bad data. */
  readonly closeCode: number;
  constructor(message: string, closeCode = 1002) {
    super(message);
    this.closeCode = closeCode;
  }
}

/** A frame or a reassembled message is larger than `maxFrameSize` / `maxMessageSize` (close code 1009). */
export class FrameTooBigError extends WebSocketError {
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
export class ClosedReceiveChannelError extends WebSocketError {}

/** `send()` on an `outgoing` channel that is closed. `cause` says why, when the close was abnormal. */
export class ClosedSendChannelError extends WebSocketError {}

/** No pong answered a ping within `timeoutMillis`: the peer or the path to it is dead. */
export class PingTimeoutError extends WebSocketError {}

/** The connection ended without a close handshake (close code 1006). */
export class ConnectionClosedError extends WebSocketError {}

/** Connecting (TCP, TLS and the HTTP upgrade) took longer than the engine's `connectTimeoutMillis`. */
export class ConnectTimeoutError extends WebSocketError {}

/** A channel with `onOverflow: "close"` was full when another element arrived. */
export class ChannelOverflowError extends WebSocketError {}

/** The engine cannot do WebSockets, or cannot do what the configuration asks. */
export class EngineCapabilityError extends WebSocketError {
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
export class PluginNotInstalledError extends WebSocketError {}

/** `sendSerialized` / `receiveDeserialized` was called but no `contentConverter` is configured. */
export class ConverterNotFoundError extends WebSocketError {}

/** A received frame could not be turned into a value by the converter; the session stays usable. */
export class DeserializationError extends WebSocketError {
  /** The frame that did not parse. */
  readonly frame: Frame;
  constructor(message: string, frame: Frame, options?: { cause?: unknown }) {
    super(message, options);
    this.frame = frame;
  }
}

/**
 * A message did not match the schema given to `receiveDeserialized(schema)`, `messages(schema)` or
 * `sendSerialized(value, schema)`; nothing is closed, and the session stays usable. It extends
 * `WebSocketError`, not `DeserializationError`: the frame parsed, and an invalid value to send has no
 * frame at all. When the schema's `validate` threw instead of answering, `cause` is what it threw.
 */
export class SchemaValidationError extends WebSocketError {
  /** The problems the schema reported, as it reported them. */
  readonly issues: readonly StandardSchemaV1Issue[];
  /** The received frame that failed, or null for a value that `sendSerialized` refused to send. */
  readonly frame: Frame | null;
  constructor(message: string, issues: readonly StandardSchemaV1Issue[], frame: Frame | null, options?: { cause?: unknown }) {
    super(message, options);
    this.issues = issues;
    this.frame = frame;
  }
}
