import { EngineCapabilityError, type HandshakeResponse } from "../errors.js";
import type { FrameTransport } from "../transport/frame-transport.js";
import type { NegotiatedExtension } from "../extensions/extension.js";

/**
 * What an engine can do. The WebSockets plugin checks these when the client is built and when a
 * session opens, and fails with `EngineCapabilityError` naming the one that is missing.
 */
export type EngineCapability =
  /** Opens WebSocket sessions at all. */
  | "websockets"
  /** Sends ping frames on its own schedule (`pingIntervalMillis`). */
  | "pingFrames"
  /** Sends request headers of the caller's choosing. */
  | "customHeaders"
  /** Gives every frame as it is, for raw sessions. */
  | "rawFrames"
  /** Enforces `maxFrameSize` on each frame, before it is buffered. */
  | "frameSizeLimit"
  /** Sends a message as fragments: frames with `fin = false`, then continuations. */
  | "fragmentedFrames"
  /** Stops reading from the peer while `incoming` is full, so a slow reader slows the peer. */
  | "readBackpressure"
  /** Sees the handshake response (status and headers) for `session.response`. */
  | "handshakeResponse"
  /** Runs the extensions installed with `ws.extensions(...)` (kite-ws's permessage-deflate). */
  | "extensions";

/** A WebSocket handshake request, resolved from the caller's target. */
export interface WebSocketRequest {
  /** `ws:` or `wss:` URL; credentials in it become Basic authorization. */
  readonly url: URL;
  /** Always "GET": the target's method, checked and upper-cased. */
  readonly method: string;
  /** The caller's extra headers, without the ones the handshake owns (`Upgrade`, `Sec-WebSocket-*`, ...). */
  readonly headers: Headers;
  /** Subprotocols to offer in `Sec-WebSocket-Protocol`, in order of preference; checked, none repeated. */
  readonly protocols: readonly string[];
  /** The target's signal: the engine aborts the connect when it fires (the client aborts the session after that). */
  readonly signal: AbortSignal | undefined;
  /** Largest frame to accept from the peer. */
  readonly maxFrameSize: number;
}

/** An open connection, handed by an engine to the session that will own it. */
export interface EngineConnection {
  /** Moves frames over the connection; the session drives it from here on. */
  readonly transport: FrameTransport;
  /** The 101 response's status and headers, or null where the engine cannot see them (`handshakeResponse`). */
  readonly response: HandshakeResponse | null;
  /** The subprotocol the server chose from the request's `protocols`, or null. */
  readonly protocol: string | null;
  /** The extensions the server accepted, in the order they apply (empty without `extensions`). */
  readonly extensions: readonly NegotiatedExtension[];
}

/** Moves bytes (or messages) for a client; knows nothing of sessions' policy. */
export interface HttpClientEngine {
  /** The name used in errors, e.g. "CIO". */
  readonly name: string;
  /** What this engine can do; the WebSockets plugin refuses a configuration that needs anything else. */
  readonly capabilities: ReadonlySet<EngineCapability>;
  /**
   * What the engine does instead where it lacks a capability, or does only in part where it has one
   * (e.g. the `ws` engine's raw frames arrive reassembled); used in errors and in the engine table.
   */
  readonly limitations?: Readonly<Partial<Record<EngineCapability, string>>>;
  /** Opens a connection and completes the WebSocket handshake. */
  connectWebSocket(request: WebSocketRequest): Promise<EngineConnection>;
  /** Releases what the engine holds; sessions already open are not affected. */
  close(): void;
}

/** Makes an engine from its configuration, as Ktor's `HttpClientEngineFactory` (`CIO`). */
export interface HttpClientEngineFactory<Config> {
  /** The name of the engines it makes, e.g. "CIO". */
  readonly name: string;
  /** Makes an engine from a fresh configuration that `configure` (from `config.engine(...)`) may change first. */
  create(configure?: (config: Config) => void): HttpClientEngine;
}

/**
 * @internal An `EngineCapabilityError` for `engine` lacking `capability`. Its detail: `detail` when
 * given, else the engine's `limitations` for it, else `defaultDetail` (for an engine that says nothing).
 */
export function capabilityError(
  engine: Pick<HttpClientEngine, "name" | "limitations">,
  capability: EngineCapability,
  detail?: string,
  defaultDetail?: string,
): EngineCapabilityError {
  return new EngineCapabilityError(engine.name, capability, detail ?? engine.limitations?.[capability] ?? defaultDetail);
}
