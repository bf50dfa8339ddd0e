/**
 * Options of the `ws` package's client (its `ClientOptions`: `agent`, `ca`, `rejectUnauthorized`,
 * `perMessageDeflate`, `handshakeTimeout`, `origin`, `family`, ...). Typed as any object so that
 * kite-ws needs no `@types/ws`; pass ws's own `ClientOptions` as they are.
 */
export type WsClientOptions = object;

/**
 * The options the engine hands to `new WebSocket(url, protocols, options)`: ws's `ClientOptions`
 * with the engine's settings (`headers`, `maxPayload`, `autoPong: false`, ...) merged over the user's.
 */
export interface WsEngineOptions {
  /** Request headers (the user's `preconfigured` ones, then the request's). */
  readonly headers: Readonly<Record<string, string>>;
  /** Largest message accepted: the plugin's `maxFrameSize`. */
  readonly maxPayload: number;
  /** Off: the session answers pings itself (a raw session hands them to the user). */
  readonly autoPong: false;
  /** Off unless the user's options turn it on. */
  readonly perMessageDeflate: unknown;
  /** Off unless the user's options turn it on. */
  readonly followRedirects: unknown;
  readonly [option: string]: unknown;
}

/**
 * Makes the `ws` WebSocket for a connection, as OkHttp's `preconfigured` client in Ktor: the engine
 * passes the URL, the subprotocols and its options; merge yours and return the socket, e.g.
 * `(url, protocols, options) => new WebSocket(url, protocols, { ...options, agent })`.
 * Keep the engine's `autoPong: false` and `maxPayload`, or pings are answered twice and the size limit is not the plugin's.
 */
export type WsWebSocketFactory = (url: string, protocols: string[], options: WsEngineOptions) => object;

/** Settings of the `ws` engine, set in `config.engine((ws) => { ... })`. */
export class WsEngineConfig {
  /**
   * Your own `ws` settings: `ClientOptions` merged under the engine's (`{ agent, ca, perMessageDeflate: true }`),
   * or a function that creates the WebSocket. Null: ws's defaults, with permessage-deflate off.
   */
  preconfigured: WsClientOptions | WsWebSocketFactory | null = null;
  /**
   * The `WebSocket` class of `ws`, when it should not be imported by name (a bundled or patched copy).
   * By default the engine loads the `ws` package installed next to kite-ws when it is created.
   */
  webSocket: (new (url: string, protocols: string[], options: WsEngineOptions) => object) | null = null;
  /** Time for TCP, TLS and the upgrade, in milliseconds. */
  connectTimeoutMillis = 15_000;
  /** Bytes handed to ws but not yet written to the socket before `outgoing` waits; it resumes at half. */
  writeHighWaterMark = 1024 * 1024;
}
