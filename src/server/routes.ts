import { Socket } from "node:net";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { Frame } from "../protocol/frame.js";
import { contentToFrame, type SendContent } from "../serialization/frame-conversion.js";
import { createSocketTransport } from "../transport/create-socket-transport.js";
import { CloseReason } from "../protocol/close-reason.js";
import { computeAccept } from "../protocol/handshake.js";
import { collectRoutes, type WebSocketRoute, type WebSocketRouting } from "./routing.js";
import { createServerRequest, requestHeader, requestPath, type WebSocketServerRequest } from "./server-request.js";
import { resolveServerOptions, type ResolvedServerOptions, type WebSocketServerOptions } from "./server-options.js";
import {
  AcceptedResponse,
  acceptResponseHead,
  checkUpgradeRequest,
  refuse,
  sendRefusal,
  writeRefusal,
  type RefusedUpgrade,
} from "./server-handshake.js";
import { report, runHandler } from "./session-runner.js";
import { checkTopic, DefaultWebSocketServerSession } from "./server-session.js";
import { TopicRegistry } from "./topics.js";
import { answerExtensionOffers, MalformedExtensionOffer, type ExtensionAnswer } from "../extensions/server-negotiation.js";
import { drainSessions, idleOrCut, resolveDrainOptions, type DrainOptions } from "./drain.js";
import type { Backplane, BackplanePayload } from "./backplane.js";

/** How `WebSocketRoutes.close()` ends the sessions. */
export interface CloseRoutesOptions {
  /** Sent to every open session (default 1001 GOING_AWAY). */
  readonly reason?: CloseReason;
  /** How long to wait for sessions and their handlers before cutting the connections (default: the `timeoutMillis` option). */
  readonly timeoutMillis?: number;
}

/**
 * WebSocket routes that plug into any `node:http` / `node:https` server (and so into Express,
 * Fastify, Koa...):
 *
 * ```ts
 * const routes = webSocketRoutes((routes) => routes.webSocket("/echo", echoHandler));
 * httpServer.on("upgrade", routes.handleUpgrade);
 * httpServer.on("request", (req, res) => { if (!routes.handleRequest(req, res)) app(req, res); });
 * ```
 *
 * The two handlers are bound functions: pass them as they are.
 */
export interface WebSocketRoutes {
  /**
   * The server's `"upgrade"` listener: runs the opening handshake (RFC 6455 §4.2) and the route's
   * handler, or answers with an HTTP error and closes the socket: 404 for a path without a route,
   * 405 for a method other than GET, 400 for a malformed upgrade, 426 for a WebSocket version other
   * than 13, 403 for a refused origin, 503 with `Retry-After` once `close()` or `drain()` was called
   * or while `maxConnections` sessions are open. It never throws; errors go to
   * the `onError` option. It answers every request it is given: to share upgrades with another
   * library, dispatch on `handles(request)` first.
   */
  readonly handleUpgrade: (request: IncomingMessage, socket: Duplex, head?: Uint8Array) => void;
  /**
   * For the server's `"request"` listener: answers a request for a WebSocket route that is not an
   * upgrade (426 `Upgrade: websocket` to GET and HEAD, 405 to other methods) and returns true;
   * returns false, without touching the response, for any other path so the application goes on.
   */
  readonly handleRequest: (request: IncomingMessage, response: ServerResponse) => boolean;
  /** Whether the request's path has a WebSocket route. */
  handles(request: IncomingMessage): boolean;
  /** Sessions whose handler is running. */
  readonly sessions: ReadonlySet<DefaultWebSocketServerSession>;
  /**
   * Sends `content` (text, bytes or a whole Text/Binary frame) to every session subscribed to `topic`
   * (`session.subscribe(topic)`): it is encoded once and written to each, never waited for; a
   * subscriber whose `outgoing` is full is handled by the `slowSubscriber` option. Returns how many
   * sessions took it. Delivery is at most once; the order of one publisher's messages is kept.
   */
  publish(topic: string, content: SendContent): number;
  /**
   * Refuses new upgrades (503), closes every open session (1001 by default), and resolves when their
   * handlers are done, or when the timeout passes, after cutting the connections left. Later calls
   * return the same promise.
   */
  close(options?: CloseRoutesOptions): Promise<void>;
  /**
   * A graceful restart: from the call on, new upgrades get 503 with `Retry-After`; open sessions are
   * closed with `code` and `reason` (default 1012 "Service restart"), spread evenly over `spread` so
   * their clients do not all reconnect at once. Resolves when every session and handler has ended,
   * at most `spread` + the `timeoutMillis` option later (then the connections left are cut); after
   * it, `close()` has nothing left to wait for. Later calls return the same promise; bad options
   * reject with a `TypeError` / `RangeError` naming them.
   */
  drain(options?: DrainOptions): Promise<void>;
}

/**
 * Declares WebSocket routes for an existing HTTP server, as Ktor's `routing { webSocket(...) }`.
 * Options are checked here, and a bad one throws a `TypeError` / `RangeError` naming it.
 *
 * ```ts
 * const routes = webSocketRoutes((routes) => {
 *   routes.webSocket("/echo", async (session) => {
 *     for await (const frame of session.incoming) await session.send(frame);
 *   });
 * }, { pingInterval: "20s" });
 * ```
 */
export function webSocketRoutes(configure: (routing: WebSocketRouting) => void, options?: WebSocketServerOptions): WebSocketRoutes {
  const resolved = resolveServerOptions(options);
  return new RouteHandler(collectRoutes(configure), resolved);
}

/** @internal The routes of `serve`: `publish` also hands each message to the backplane, and `deliverRemote` takes the other processes' messages. */
export interface ServedRoutes extends WebSocketRoutes {
  /** Delivers a message published by another process to this one's subscribers; never throws. */
  readonly deliverRemote: (topic: string, payload: BackplanePayload) => void;
}

/** @internal For `serve`, whose options are already checked. */
export function createWebSocketRoutes(configure: (routing: WebSocketRouting) => void, options: ResolvedServerOptions, backplane: Backplane | null = null): ServedRoutes {
  return new RouteHandler(collectRoutes(configure), options, backplane);
}

const SHUTTING_DOWN = refuse(503, "The server is shutting down", { "Retry-After": "5" });
/** The answer beyond `maxConnections`: sessions end at any time, so a short wait. */
const AT_CAPACITY = refuse(503, "The server has as many sessions as it takes", { "Retry-After": "2" });

/** The socket is cut on any error before the upgrade; one shared listener, no closure per connection. */
function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** Removes `destroyOnError` once another error listener (the transport's) is there. */
function dropErrorGuard(socket: Duplex): void {
  if (socket.listenerCount("error") > 1) socket.off("error", destroyOnError);
}

class RouteHandler implements ServedRoutes {
  readonly sessions = new Set<DefaultWebSocketServerSession>();
  private readonly topics: TopicRegistry;
  private readonly routes: ReadonlyMap<string, WebSocketRoute>;
  private readonly options: ResolvedServerOptions;
  /** Handlers still running (their sessions may have left `sessions` a moment before). */
  private running = 0;
  /** Resolves the waits of `close()` and `drain()` once `running` is 0. */
  private whenIdle: { readonly promise: Promise<void>; readonly resolve: () => void } | null = null;
  private closing: Promise<void> | null = null;
  private draining: Promise<void> | null = null;
  /** The answer to upgrades once `drain()` was called. */
  private drainRefusal: RefusedUpgrade | null = null;

  constructor(
    routes: ReadonlyMap<string, WebSocketRoute>,
    options: ResolvedServerOptions,
    private readonly backplane: Backplane | null = null,
  ) {
    this.routes = routes;
    this.options = options;
    this.topics = new TopicRegistry(options.slowSubscriber);
  }

  publish(topic: string, content: SendContent): number {
    checkTopic(topic, "publish(topic, content): topic");
    const frame = publishedFrame(content);
    const delivered = this.topics.publish(topic, frame);
    if (this.backplane !== null) this.handOn(this.backplane, topic, frame);
    return delivered;
  }

  readonly deliverRemote = (topic: string, payload: BackplanePayload): void => {
    try {
      this.topics.publish(topic, contentToFrame(payload));
    } catch (error) {
      report(this.options.onError, error, null);
    }
  };

  /** The other processes get the message through the backplane; a failure there never reaches the publisher. */
  private handOn(backplane: Backplane, topic: string, frame: Frame): void {
    try {
      backplane.publish(topic, frame instanceof Frame.Text ? frame.readText() : frame.data);
    } catch (error) {
      report(this.options.onError, error, null);
    }
  }

  readonly handleUpgrade = (request: IncomingMessage, socket: Duplex, head?: Uint8Array): void => {
    socket.on("error", destroyOnError);
    try {
      this.upgrade(request, socket, head);
    } catch (error) {
      // A bug of ours must not take the process down with it.
      report(this.options.onError, error, null);
      socket.destroy();
    }
  };

  readonly handleRequest = (request: IncomingMessage, response: ServerResponse): boolean => {
    if (this.routeOf(request) === null) return false;
    try {
      const check = checkUpgradeRequest(request);
      if (check.ok) {
        // A valid upgrade arriving as a request: nobody listens to the server's "upgrade" event.
        report(this.options.onError, new Error('A WebSocket upgrade arrived as a plain request: add server.on("upgrade", routes.handleUpgrade)'), null);
        sendRefusal(request, response, refuse(500, "WebSocket upgrades are not set up on this server"));
      } else {
        sendRefusal(request, response, check);
      }
    } catch (error) {
      report(this.options.onError, error, null);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    }
    return true;
  };

  handles(request: IncomingMessage): boolean {
    return this.routeOf(request) !== null;
  }

  close(options: CloseRoutesOptions = {}): Promise<void> {
    if (this.closing !== null) return this.closing;
    const reason = options.reason ?? new CloseReason(CloseReason.Codes.GOING_AWAY, "Server shutting down");
    const timeoutMillis = options.timeoutMillis ?? this.options.timeoutMillis;
    if (!(reason instanceof CloseReason)) return Promise.reject(new TypeError("close({ reason }) takes a CloseReason"));
    if (typeof timeoutMillis !== "number" || !(timeoutMillis >= 0)) {
      return Promise.reject(new RangeError(`timeoutMillis must be a number of milliseconds >= 0, got ${String(timeoutMillis)}`));
    }
    this.closing = this.closeAll(reason, timeoutMillis);
    return this.closing;
  }

  drain(options?: DrainOptions): Promise<void> {
    if (this.draining !== null) return this.draining;
    let drain;
    try {
      drain = resolveDrainOptions(options);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (this.closing !== null) return this.closing;
    this.drainRefusal = refuse(503, "The server is restarting", { "Retry-After": String(drain.retryAfterSeconds) });
    this.draining = drainSessions(this.sessions, drain.reason, drain.spreadMillis, this.options.timeoutMillis, this.idle());
    return this.draining;
  }

  private async closeAll(reason: CloseReason, timeoutMillis: number): Promise<void> {
    for (const session of this.sessions) void session.close(reason);
    await idleOrCut(this.sessions, this.idle(), timeoutMillis);
  }

  private routeOf(request: IncomingMessage): WebSocketRoute | null {
    const path = requestPath(request.url ?? "");
    return (path !== null && this.routes.get(path)) || null;
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Uint8Array | undefined): void {
    if (!(socket instanceof Socket)) throw new TypeError("handleUpgrade needs the node:net socket of the server's upgrade event");
    if (this.closing !== null) return writeRefusal(socket, SHUTTING_DOWN);
    if (this.drainRefusal !== null) return writeRefusal(socket, this.drainRefusal);
    const route = this.routeOf(request);
    if (route === null) return writeRefusal(socket, refuse(404, "No WebSocket route here"));
    const check = checkUpgradeRequest(request);
    if (!check.ok) return writeRefusal(socket, check);
    if (this.running >= this.options.maxConnections) return writeRefusal(socket, AT_CAPACITY);
    const info = createServerRequest(request, check.protocols);
    if (info === null) return writeRefusal(socket, refuse(400, "Malformed request target or Host header"));

    const decision = this.decide(route, info);
    if ("ok" in decision) return writeRefusal(socket, decision);
    const protocol = decision.protocol;
    let agreed: ExtensionAnswer;
    try {
      agreed = answerExtensionOffers(requestHeader(request, "sec-websocket-extensions"), this.options.extensions);
    } catch (error) {
      if (error instanceof MalformedExtensionOffer) return writeRefusal(socket, refuse(400, error.message));
      throw error;
    }
    if (socket.destroyed || !socket.writable) {
      for (const codec of agreed.codecs) codec.dispose();
      socket.destroy();
      return;
    }

    // The session has its own liveness check (ping/pong); an HTTP idle timeout must not cut it.
    socket.setTimeout(0);
    socket.write(acceptResponseHead(computeAccept(check.key), protocol, agreed.header));
    const options = this.options;
    const transport = createSocketTransport(socket, "server", agreed, { maxFrameSize: options.maxFrameSize, head });
    const session = new DefaultWebSocketServerSession({
      transport,
      protocol,
      extensions: agreed.negotiated,
      // Its headers are built only if read: an idle session keeps the key, not a Headers object.
      response: new AcceptedResponse(check.key, protocol, agreed.header),
      converter: options.contentConverter,
      channels: options.channels,
      maxFrameSize: options.maxFrameSize,
      maxMessageSize: options.maxMessageSize,
      pingIntervalMillis: options.pingIntervalMillis,
      timeoutMillis: options.timeoutMillis,
    }, this.topics);
    // destroyOnError stays until the transport has attached its own listeners, a microtask later: an
    // error must find a listener in between. After that it is dropped, so an idle session's socket
    // holds one error listener, not an array of two.
    queueMicrotask(() => dropErrorGuard(socket));
    this.run(route, session, info);
  }

  /** The origin check and the subprotocol choice: a refusal, or the protocol (null: none). */
  private decide(route: WebSocketRoute, request: WebSocketServerRequest): RefusedUpgrade | { protocol: string | null } {
    const { origin, onError } = this.options;
    try {
      if (origin !== null && origin(request.headers.get("origin") ?? undefined, request) !== true) {
        return refuse(403, "Origin not allowed");
      }
      return { protocol: this.chooseProtocol(route, request) };
    } catch (error) {
      report(onError, error, request);
      return refuse(500, "The server could not decide on the upgrade");
    }
  }

  /** RFC 6455 §4.2.2 step 5: one of the offered subprotocols, or none. */
  private chooseProtocol(route: WebSocketRoute, request: WebSocketServerRequest): string | null {
    const offered = request.protocols;
    if (offered.length === 0) return null;
    if (route.protocols !== null) return route.protocols.find((name) => offered.includes(name)) ?? null;
    const select = this.options.selectProtocol;
    if (select === null) return null;
    const chosen: unknown = select(offered, request);
    if (chosen === null || chosen === undefined) return null;
    if (typeof chosen !== "string" || !offered.includes(chosen)) {
      throw new TypeError(`selectProtocol returned ${JSON.stringify(chosen)}, which the client did not offer (${offered.join(", ")})`);
    }
    return chosen;
  }

  private run(route: WebSocketRoute, session: DefaultWebSocketServerSession, request: WebSocketServerRequest): void {
    this.sessions.add(session);
    this.running++;
    void runHandler(route.handler, session, request, this.options, this.handlerDone);
  }

  /** Called once per session when its handler is done and the connection is gone; one function for all. */
  private readonly handlerDone = (session: DefaultWebSocketServerSession): void => {
    this.sessions.delete(session);
    this.topics.leaveAll(session);
    if (--this.running === 0 && this.whenIdle !== null) {
      const { resolve } = this.whenIdle;
      this.whenIdle = null;
      resolve();
    }
  };

  /** Resolves when no handler is running. */
  private idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    if (this.whenIdle === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      this.whenIdle = { promise, resolve };
    }
    return this.whenIdle.promise;
  }
}

/** What `publish` sends, as one frame: a whole Text or Binary message (a `TypeError` for anything else). */
function publishedFrame(content: SendContent): Frame {
  const frame = contentToFrame(content);
  if (!(frame instanceof Frame.Text || frame instanceof Frame.Binary) || !frame.fin) throw new TypeError("publish(topic, content): content must be text, bytes or a whole Text/Binary frame (not a control frame or a fragment)");
  return frame;
}
