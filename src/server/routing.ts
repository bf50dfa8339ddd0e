import { isValidSubprotocol } from "../protocol/handshake.js";
import type { WebSocketServerRequest } from "./server-request.js";

import type { DefaultWebSocketServerSession } from "./server-session.js";

export type { DefaultWebSocketServerSession };

/**
 * A route's handler, as the block of Ktor's `webSocket("/path") { ... }`. When it returns (or its
 * promise resolves) the session is closed with 1000; when it throws, with 1011 and the error's message.
 */
export type WebSocketHandler = (session: DefaultWebSocketServerSession, request: WebSocketServerRequest) => unknown;

/** A route's own settings. */
export interface WebSocketRouteOptions {
  /**
   * Subprotocols this route speaks, in the server's order of preference: the first one the client
   * offered is chosen. When none matches, the session opens without one (RFC 6455 §4.2.2) and the
   * client decides. Without this list, the server's `selectProtocol` option decides.
   */
  readonly protocols?: readonly string[];
}

/** @internal A route as stored. */
export interface WebSocketRoute {
  readonly path: string;
  readonly handler: WebSocketHandler;
  readonly protocols: readonly string[] | null;
}

/** Declares WebSocket routes, as Ktor's `routing { webSocket("/echo") { ... } }`; given to the configure block. */
export interface WebSocketRouting {
  /**
   * Serves WebSocket sessions at `path` (matched exactly against the request's path, query ignored).
   * @throws TypeError for a path not starting with "/", a path declared twice, or a bad subprotocol name.
   */
  webSocket(path: string, handler: WebSocketHandler, options?: WebSocketRouteOptions): void;
}

/** @internal Runs a configure block and returns the routes it declared, by path. */
export function collectRoutes(configure: (routing: WebSocketRouting) => void): ReadonlyMap<string, WebSocketRoute> {
  if (typeof configure !== "function") throw new TypeError("Routes are declared in a function: (routes) => routes.webSocket(path, handler)");
  const routes = new Map<string, WebSocketRoute>();
  let open = true;
  configure({
    webSocket(path, handler, options = {}) {
      if (!open) throw new Error("Routes are declared inside the configure block only");
      if (typeof path !== "string" || !path.startsWith("/")) throw new TypeError(`A route path starts with "/", got ${JSON.stringify(path)}`);
      if (/[?#\s]/.test(path)) throw new TypeError(`A route path has no query, fragment or spaces, got ${JSON.stringify(path)}`);
      if (routes.has(path)) throw new TypeError(`The route ${path} is declared twice`);
      if (typeof handler !== "function") throw new TypeError(`The handler of ${path} must be a function (session, request) => ...`);
      routes.set(path, { path, handler, protocols: checkProtocols(options, path) });
    },
  });
  open = false;
  return routes;
}

function checkProtocols(options: WebSocketRouteOptions, path: string): readonly string[] | null {
  if (options === null || typeof options !== "object") throw new TypeError(`The options of ${path} must be an object`);
  for (const key of Object.keys(options)) {
    if (key !== "protocols") throw new TypeError(`Unknown option "${key}" for the route ${path}; known: protocols`);
  }
  const protocols = options.protocols;
  if (protocols === undefined) return null;
  if (!Array.isArray(protocols)) throw new TypeError(`protocols of ${path} must be an array of subprotocol names`);
  for (const name of protocols as readonly unknown[]) {
    if (typeof name !== "string" || !isValidSubprotocol(name)) {
      throw new TypeError(`protocols of ${path}: ${JSON.stringify(name)} is not a valid subprotocol name (an HTTP token)`);
    }
  }
  return Object.freeze([...protocols]);
}
