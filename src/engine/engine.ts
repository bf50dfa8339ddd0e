import type { HandshakeResponse } from "../errors.js";
import type { FrameTransport } from "../session/transport.js";
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
  | "frameSizeLimit";

/** A WebSocket handshake request, resolved from the caller's target. */
export interface WebSocketRequest {
  /** `ws:` or `wss:` URL; credentials in it become Basic authorization. */
  readonly url: URL;
  readonly method: string;
  readonly headers: Headers;
  readonly protocols: readonly string[];
  readonly signal: AbortSignal | undefined;
  /** Largest frame to accept from the peer. */
  readonly maxFrameSize: number;
}

/** An open connection, handed by an engine to the session that will own it. */
export interface EngineConnection {
  readonly transport: FrameTransport;
  readonly response: HandshakeResponse | null;
  readonly protocol: string | null;
  readonly extensions: readonly NegotiatedExtension[];
}

/** Moves bytes (or messages) for a client; knows nothing of sessions' policy. */
export interface HttpClientEngine {
  /** The name used in errors, e.g. "CIO". */
  readonly name: string;
  readonly capabilities: ReadonlySet<EngineCapability>;
  /** Opens a connection and completes the WebSocket handshake. */
  connectWebSocket(request: WebSocketRequest): Promise<EngineConnection>;
  /** Releases what the engine holds; sessions already open are not affected. */
  close(): void;
}

/** Makes an engine from its configuration, as Ktor's `HttpClientEngineFactory` (`CIO`). */
export interface HttpClientEngineFactory<Config> {
  readonly name: string;
  create(configure?: (config: Config) => void): HttpClientEngine;
}
