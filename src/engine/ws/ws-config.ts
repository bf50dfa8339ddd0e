import type { Duration } from "../../util/duration.js";
import { typeError } from "../../util/describe-value.js";
import {
  DEFAULT_CONNECT_TIMEOUT_MILLIS,
  checkClassOrNull,
  checkMillis,
  checkDuration,
  checkSettings,
  checkWhole,
  isOptionsObject,
  type SettingChecks,
} from "../config-checks.js";

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

/**
 * Settings of the `ws` engine, set in `config.engine((ws) => { ... })`. Every setter checks its value
 * at once and throws a `TypeError` / `RangeError` naming the setting; the engine checks them all
 * again when the client is built.
 */
export class WsEngineConfig {
  #preconfigured: WsClientOptions | WsWebSocketFactory | null = null;
  #webSocket: (new (url: string, protocols: string[], options: WsEngineOptions) => object) | null = null;
  #connectTimeoutMillis = DEFAULT_CONNECT_TIMEOUT_MILLIS;
  #writeHighWaterMark = 1024 * 1024;

  /**
   * Your own `ws` settings: `ClientOptions` merged under the engine's (`{ agent, ca, perMessageDeflate: true }`),
   * or a function that creates the WebSocket. Null: ws's defaults, with permessage-deflate off.
   */
  get preconfigured(): WsClientOptions | WsWebSocketFactory | null {
    return this.#preconfigured;
  }

  /** Takes an options object, a function `(url, protocols, options) => WebSocket`, or null. */
  set preconfigured(preconfigured: WsClientOptions | WsWebSocketFactory | null) {
    this.#preconfigured = CHECKS.preconfigured(preconfigured);
  }

  /**
   * The `WebSocket` class of `ws`, when it should not be imported by name (a bundled or patched copy).
   * By default the engine loads the `ws` package installed next to kite-ws when it is created.
   */
  get webSocket(): (new (url: string, protocols: string[], options: WsEngineOptions) => object) | null {
    return this.#webSocket;
  }

  /** Takes a class (a constructor function) or null. */
  set webSocket(webSocket: (new (url: string, protocols: string[], options: WsEngineOptions) => object) | null) {
    this.#webSocket = CHECKS.webSocket(webSocket);
  }

  /**
   * Time for TCP, TLS and the upgrade, in milliseconds (default 15 000). A `ConnectTimeoutError`
   * names this value when it runs out.
   */
  get connectTimeoutMillis(): number {
    return this.#connectTimeoutMillis;
  }

  /** Takes a finite number of milliseconds > 0; for a duration such as "5s", set `connectTimeout`. */
  set connectTimeoutMillis(millis: number) {
    this.#connectTimeoutMillis = CHECKS.connectTimeoutMillis(millis);
  }

  /** `connectTimeoutMillis` as a duration: reads as milliseconds. */
  get connectTimeout(): number {
    return this.#connectTimeoutMillis;
  }

  /** Takes a duration > 0: "5s", "500ms", "1m", or a number of milliseconds. */
  set connectTimeout(timeout: Duration) {
    this.#connectTimeoutMillis = checkDuration(timeout, "ws.connectTimeout");
  }

  /** Bytes handed to ws but not yet written to the socket before `outgoing` waits; it resumes at half. */
  get writeHighWaterMark(): number {
    return this.#writeHighWaterMark;
  }

  /** Takes a whole number of bytes >= 1. */
  set writeHighWaterMark(bytes: number) {
    this.#writeHighWaterMark = CHECKS.writeHighWaterMark(bytes);
  }
}

/**
 * @internal Checks a whole ws engine configuration, as the engine does when it is built (the object
 * may not be a `WsEngineConfig` at all).
 */
export function checkWsConfig(config: WsEngineConfig): void {
  if (config === null || typeof config !== "object") throw typeError("WsClientEngine's config", "a WsEngineConfig", config);
  checkSettings(config, CHECKS);
}

type WebSocketClass = WsEngineConfig["webSocket"];

/** Each setting's check, for its setter and for `checkWsConfig`. */
const CHECKS = {
  preconfigured: checkPreconfigured,
  webSocket: (webSocket: WebSocketClass) => checkClassOrNull(webSocket, "ws.webSocket", "the ws package's WebSocket class"),
  connectTimeoutMillis: (millis: number) => checkMillis(millis, "ws.connectTimeoutMillis", "ws.connectTimeout"),
  writeHighWaterMark: (bytes: number) => checkWhole(bytes, "ws.writeHighWaterMark", 1, "bytes"),
} satisfies SettingChecks<WsEngineConfig>;

function checkPreconfigured(
  preconfigured: WsClientOptions | WsWebSocketFactory | null,
): WsClientOptions | WsWebSocketFactory | null {
  if (preconfigured !== null && typeof preconfigured !== "function" && !isOptionsObject(preconfigured)) {
    throw typeError("ws.preconfigured", "ws ClientOptions (an object), a function creating the WebSocket, or null", preconfigured);
  }
  return preconfigured;
}
