import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { Buffer } from "node:buffer";
import { fulfilsWithin } from "../util/fulfils-within.js";
import { createWebSocketRoutes, type WebSocketRoutes } from "./routes.js";
import type { WebSocketRouting } from "./routing.js";
import { resolveServeOptions, type ResolvedServeOptions, type ServeOptions } from "./server-options.js";
import { report } from "./session-runner.js";
import type { SendContent } from "../serialization/frame-conversion.js";
import type { DrainOptions } from "./drain.js";

/** A running server from `serve`. `await using server = await serve(...)` closes it at the end of the scope. */
export interface WebSocketServer extends AsyncDisposable {
  /** The address listened on, as bound (e.g. "127.0.0.1", "::"). */
  readonly host: string;
  /** The port listened on (the one picked when `port` was 0). */
  readonly port: number;
  /** `ws://host:port` or `wss://host:port`; an unspecified address ("0.0.0.0", "::") is written as loopback. */
  readonly url: string;
  /** The underlying server, for anything `serve` does not cover (it must not be closed directly). */
  readonly httpServer: HttpServer | HttpsServer;
  /** The routes, for their open `sessions`. */
  readonly routes: WebSocketRoutes;
  /**
   * Sends `content` to every session subscribed to `topic` (`session.subscribe(topic)`), encoding it
   * once; returns how many sessions took it. See `WebSocketRoutes.publish`.
   */
  publish(topic: string, content: SendContent): number;
  /**
   * Stops listening, closes every open session with 1001 GOING_AWAY and waits for them and their
   * handlers (at most the `timeoutMillis` option, then the connections are cut), then for the server's
   * remaining HTTP connections (at most a second more). Later calls return the same promise.
   */
  close(): Promise<void>;
  /**
   * A graceful restart, as `routes.drain()`: new upgrades get 503 with `Retry-After`, open sessions
   * are closed (1012 by default) spread evenly over `spread`; resolves when every session and
   * handler has ended. The server keeps listening (to answer 503) until `close()`, which is then
   * immediate. Later calls return the same promise.
   */
  drain(options?: DrainOptions): Promise<void>;
}

/** Most time `close()` gives plain HTTP connections after the sessions are done. */
const HTTP_CLOSE_GRACE_MILLIS = 1_000;

/**
 * Starts an HTTP (or, with `tls`, HTTPS) server that serves WebSocket routes, as Ktor's
 * `embeddedServer(...) { routing { webSocket("/echo") { ... } } }`. Requests for other paths get 404.
 * Rejects with the listening error itself (e.g. `code: "EADDRINUSE"`); bad options throw a
 * `TypeError` / `RangeError` naming them.
 *
 * ```ts
 * const server = await serve({ host: "127.0.0.1", port: 8080 }, (routes) => {
 *   routes.webSocket("/echo", async (session) => {
 *     for await (const frame of session.incoming) await session.send(frame);
 *   });
 * });
 * ```
 */
export async function serve(options: ServeOptions, configure: (routing: WebSocketRouting) => void): Promise<WebSocketServer> {
  const resolved = resolveServeOptions(options);
  const { backplane } = resolved;
  const routes = createWebSocketRoutes(configure, resolved.routes, backplane);
  // Connected (or its first attempt failed, and it retries) before the first session can publish.
  if (backplane !== null) await backplane.start(routes.deliverRemote, (error) => report(resolved.routes.onError, error, null));
  const httpServer = createServer(resolved);
  httpServer.on("upgrade", routes.handleUpgrade);
  httpServer.on("request", (request: IncomingMessage, response: ServerResponse) => {
    if (!routes.handleRequest(request, response)) notFound(request, response);
  });
  try {
    await listen(httpServer, resolved.host, resolved.port);
  } catch (error) {
    await backplane?.close();
    throw error;
  }
  // After listening, a server error (e.g. EMFILE on accept) has nobody to reject: report it, never crash.
  httpServer.on("error", (error) => report(resolved.routes.onError, error, null));

  const address = httpServer.address() as AddressInfo;
  const scheme = resolved.tls !== null ? "wss" : "ws";
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => (closing ??= shutDown(httpServer, routes).finally(() => backplane?.close()));
  return {
    host: address.address,
    port: address.port,
    url: `${scheme}://${urlHost(address.address)}:${address.port}`,
    httpServer,
    routes,
    publish: (topic, content) => routes.publish(topic, content),
    close,
    drain: (drainOptions?: DrainOptions) => routes.drain(drainOptions),
    [Symbol.asyncDispose]: close,
  };
}

function createServer(options: ResolvedServeOptions): HttpServer | HttpsServer {
  const handshakeMillis = Math.ceil(options.handshakeTimeoutMillis);
  // Node's own request-head deadline is the handshake timeout; it checks it at this interval.
  const httpOptions = {
    headersTimeout: handshakeMillis,
    requestTimeout: Math.max(300_000, handshakeMillis),
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.ceil(handshakeMillis / 4))),
  };
  if (options.tls === null) return createHttpServer(httpOptions);
  return createHttpsServer({ handshakeTimeout: handshakeMillis, ...httpOptions, ...options.tls });
}

function listen(server: HttpServer | HttpsServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off("listening", onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

async function shutDown(server: HttpServer | HttpsServer, routes: WebSocketRoutes): Promise<void> {
  // Stop accepting first (Node also closes idle keep-alive connections here), then end the sessions.
  const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
  await routes.close();
  if (!(await fulfilsWithin(stopped, HTTP_CLOSE_GRACE_MILLIS))) {
    server.closeAllConnections();
    await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 100).unref())]);
  }
}

function notFound(request: IncomingMessage, response: ServerResponse): void {
  const body = "Not Found\n";
  response.writeHead(404, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
  response.end(request.method === "HEAD" ? undefined : body);
}

/** An address as it goes in a URL: IPv6 in brackets, unspecified addresses as loopback. */
function urlHost(address: string): string {
  if (address === "0.0.0.0") return "127.0.0.1";
  if (address === "::") return "[::1]";
  return address.includes(":") ? `[${address}]` : address;
}
