/**
 * A `WebSocket` class as runtimes have it: the browser's, Deno's and Bun's global, Node 22's global,
 * or undici's export. Typed loosely (any constructor taking a URL) so that every runtime's own
 * declaration of `WebSocket` fits; the engine checks the object it makes at run time.
 */
export type WebSocketConstructorLike = new (url: string, ...rest: never[]) => object;

/** Settings of the Platform engine, set in `config.engine((platform) => { ... })`. */
export class PlatformEngineConfig {
  /**
   * The `WebSocket` class to use; by default `globalThis.WebSocket`. On Node.js 20, which has no
   * global one, pass undici's: `platform.webSocket = WebSocket` (`import { WebSocket } from "undici"`).
   */
  webSocket: WebSocketConstructorLike | null = null;
  /**
   * Whether the constructor takes `{ protocols, headers }` as its second argument, which lets the
   * engine send request headers (and URL credentials as `Authorization`). Browsers' `WebSocket` cannot;
   * undici's (Node.js's global one) can. `null` (the default) means: yes on Node.js, no elsewhere
   * (set it on Bun or Deno if their constructor takes `{ protocols, headers }`).
   */
  customHeaders: boolean | null = null;
  /**
   * More fields for the constructor's options object, passed only when `customHeaders` is on,
   * e.g. undici's `{ dispatcher }` for a proxy agent.
   */
  webSocketInit: Readonly<Record<string, unknown>> = {};
  /** Time for the runtime to open the connection (TCP, TLS and the upgrade), in milliseconds. */
  connectTimeoutMillis = 15_000;
  /**
   * Bytes the runtime may hold unsent (`bufferedAmount`) before `outgoing` stops handing it more;
   * writing resumes once it has fallen to half of this.
   */
  writeHighWaterMark = 1024 * 1024;
  /** How often `bufferedAmount` is read while writing waits (the API has no "drain" event), in milliseconds. */
  drainPollMillis = 10;
}
