import type { Duration } from "../../util/duration.js";
import { typeError } from "../../util/describe-value.js";
import {
  DEFAULT_CONNECT_TIMEOUT_MILLIS,
  checkClassOrNull,
  checkDuration,
  checkMillis,
  checkSettings,
  checkWhole,
  isOptionsObject,
  type SettingChecks,
} from "../config-checks.js";

/**
 * A `WebSocket` class as runtimes have it: the browser's, Deno's and Bun's global, Node 22's global,
 * or undici's export. Typed loosely (any constructor taking a URL) so that every runtime's own
 * declaration of `WebSocket` fits; the engine checks the object it makes at run time.
 */
export type WebSocketConstructorLike = new (url: string, ...rest: never[]) => object;

/** Fields of `webSocketInit` that the engine sets itself from the request. */
const ENGINE_INIT_FIELDS: ReadonlyMap<string, string> = new Map([
  ["protocols", "the target's protocols"],
  ["headers", "the target's headers"],
]);

/**
 * Settings of the Platform engine, set in `config.engine((platform) => { ... })`. Every setter checks
 * its value at once and throws a `TypeError` / `RangeError` naming the setting; the engine checks
 * them all again when the client is built.
 */
export class PlatformEngineConfig {
  #webSocket: WebSocketConstructorLike | null = null;
  #customHeaders: boolean | null = null;
  #webSocketInit: Readonly<Record<string, unknown>> = {};
  #connectTimeoutMillis = DEFAULT_CONNECT_TIMEOUT_MILLIS;
  #writeHighWaterMark = 1024 * 1024;
  #drainPollMillis = 10;

  /**
   * The `WebSocket` class to use; by default `globalThis.WebSocket`. On Node.js 20, which has no
   * global one, pass undici's: `platform.webSocket = WebSocket` (`import { WebSocket } from "undici"`).
   */
  get webSocket(): WebSocketConstructorLike | null {
    return this.#webSocket;
  }

  /** Takes a class (a constructor function) or null; `undefined` (a runtime without the global) is a `TypeError`. */
  set webSocket(webSocket: WebSocketConstructorLike | null) {
    this.#webSocket = CHECKS.webSocket(webSocket);
  }

  /**
   * Whether the constructor takes `{ protocols, headers }` as its second argument, which lets the
   * engine send request headers (and URL credentials as `Authorization`). Browsers' `WebSocket` cannot;
   * undici's (Node.js's global one) can. `null` (the default) means: yes on Node.js, no elsewhere
   * (set it on Bun or Deno if their constructor takes `{ protocols, headers }`).
   */
  get customHeaders(): boolean | null {
    return this.#customHeaders;
  }

  /** Takes true, false or null. */
  set customHeaders(customHeaders: boolean | null) {
    this.#customHeaders = CHECKS.customHeaders(customHeaders);
  }

  /**
   * More fields for the constructor's options object, passed only when `customHeaders` is on,
   * e.g. undici's `{ dispatcher }` for a proxy agent.
   */
  get webSocketInit(): Readonly<Record<string, unknown>> {
    return this.#webSocketInit;
  }

  /** Takes an object without `protocols` or `headers` (the engine sets those from the request). */
  set webSocketInit(init: Readonly<Record<string, unknown>>) {
    this.#webSocketInit = CHECKS.webSocketInit(init);
  }

  /**
   * Time for the runtime to open the connection (TCP, TLS and the upgrade), in milliseconds (default
   * 15 000). A `ConnectTimeoutError` names this value when it runs out.
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
    this.#connectTimeoutMillis = checkDuration(timeout, "platform.connectTimeout");
  }

  /**
   * Bytes the runtime may hold unsent (`bufferedAmount`) before `outgoing` stops handing it more;
   * writing resumes once it has fallen to half of this.
   */
  get writeHighWaterMark(): number {
    return this.#writeHighWaterMark;
  }

  /** Takes a whole number of bytes >= 1. */
  set writeHighWaterMark(bytes: number) {
    this.#writeHighWaterMark = CHECKS.writeHighWaterMark(bytes);
  }

  /** How often `bufferedAmount` is read while writing waits (the API has no "drain" event), in milliseconds. */
  get drainPollMillis(): number {
    return this.#drainPollMillis;
  }

  /** Takes a finite number of milliseconds > 0; for a duration such as "10ms", set `drainPoll`. */
  set drainPollMillis(millis: number) {
    this.#drainPollMillis = CHECKS.drainPollMillis(millis);
  }

  /** `drainPollMillis` as a duration: reads as milliseconds. */
  get drainPoll(): number {
    return this.#drainPollMillis;
  }

  /** Takes a duration > 0: "10ms", "1s", or a number of milliseconds. */
  set drainPoll(interval: Duration) {
    this.#drainPollMillis = checkDuration(interval, "platform.drainPoll");
  }
}

/**
 * @internal Checks a whole Platform configuration, as the engine does when it is built (the object
 * may have been changed in place, or not be a `PlatformEngineConfig` at all).
 */
export function checkPlatformConfig(config: PlatformEngineConfig): void {
  if (config === null || typeof config !== "object") throw typeError("PlatformEngine's config", "a PlatformEngineConfig", config);
  checkSettings(config, CHECKS);
}

/** Each setting's check, for its setter and for `checkPlatformConfig`. */
const CHECKS = {
  webSocket: (webSocket: WebSocketConstructorLike | null) => checkClassOrNull(webSocket, "platform.webSocket", "a WebSocket class (e.g. undici's WebSocket)"),
  customHeaders: checkCustomHeaders,
  webSocketInit: checkInit,
  connectTimeoutMillis: (millis: number) => checkMillis(millis, "platform.connectTimeoutMillis", "platform.connectTimeout"),
  writeHighWaterMark: (bytes: number) => checkWhole(bytes, "platform.writeHighWaterMark", 1, "bytes"),
  drainPollMillis: (millis: number) => checkMillis(millis, "platform.drainPollMillis", "platform.drainPoll"),
} satisfies SettingChecks<PlatformEngineConfig>;

function checkCustomHeaders(customHeaders: boolean | null): boolean | null {
  if (customHeaders !== null && typeof customHeaders !== "boolean") throw typeError("platform.customHeaders", "true, false or null", customHeaders);
  return customHeaders;
}

function checkInit(init: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  if (!isOptionsObject(init)) throw typeError("platform.webSocketInit", "an object of constructor options, e.g. { dispatcher }", init);
  for (const key of Object.keys(init)) {
    const instead = ENGINE_INIT_FIELDS.get(key);
    if (instead !== undefined) throw new TypeError(`platform.webSocketInit cannot set ${key}: the engine sets it from ${instead}`);
  }
  return init;
}
