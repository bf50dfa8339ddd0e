import {
  capabilityError,
  type EngineCapability,
  type EngineConnection,
  type HttpClientEngine,
  type WebSocketRequest,
} from "../engine/engine.js";
import { basicAuthorization, offersExtensions, withoutCredentials } from "../engine/shared.js";
import { DefaultWebSocketSession } from "../session/default-session.js";
import { DEFAULT_MAX_FRAME_SIZE } from "../session/websocket-session.js";
import type { ChannelConfig } from "../session/channel.js";
import type { WebSocketContentConverter } from "../serialization/converter.js";
import { WebSocketError, WebSocketHandshakeError, type HandshakeResponse } from "../errors.js";
import { runHandler } from "../server/session-runner.js";
import { MemoryTransport } from "./memory-transport.js";
import { abortable } from "../util/abortable.js";
import { rangeError, typeError } from "../util/describe-value.js";

/** The session a mock server's handler gets: the default session a `kite-ws/server` route gets (unmasked frames), without its topics. */
export type MockServerSession = DefaultWebSocketSession;

/** The handshake request as the mock server sees it. */
export interface MockRequest {
  /** The `ws:` / `wss:` URL, without credentials (they arrive as an `Authorization` header). */
  readonly url: URL;
  /** The HTTP method, `GET` unless the target said otherwise. */
  readonly method: string;
  /**
   * The request headers: the caller's, plus what CIO would send (`Upgrade`, `Connection`,
   * `Sec-WebSocket-Version`, `Sec-WebSocket-Key`, `Sec-WebSocket-Protocol` when protocols are offered,
   * `Authorization` from URL credentials).
   */
  readonly headers: Headers;
  /** The subprotocols the client offered, in its order. */
  readonly protocols: readonly string[];
}

/** Accepts the upgrade (status 101), optionally choosing a subprotocol and adding response headers. */
export interface MockAccept {
  /** 101 or left out: what tells an accept apart from a `MockRefusal`. */
  readonly status?: 101;
  /**
   * The subprotocol to choose (`null` for none). Left out, the first of `MockEngineOptions.protocols`
   * the client offered is chosen. One the client did not offer fails the client's handshake, as it
   * would over a socket.
   */
  readonly protocol?: string | null;
  /** Headers added to the 101 response (`session.response.headers`). */
  readonly headers?: Headers | Readonly<Record<string, string>>;
}

/** Refuses the upgrade: the client's builder rejects with a `WebSocketHandshakeError` carrying these. */
export interface MockRefusal {
  /** Any status other than 101, e.g. 401, 403, 404, 429. */
  readonly status: number;
  /** The reason phrase (default empty): the error's `response.statusText`, and part of its message. */
  readonly statusText?: string;
  /** Response headers, e.g. `Retry-After` or `WWW-Authenticate`: the error's `headers`. */
  readonly headers?: Headers | Readonly<Record<string, string>>;
  /** The response body; the error keeps its first 4 KiB. */
  readonly body?: string;
}

/** What a handshake hook answers: accept (optionally with a subprotocol) or refuse with a status. */
export type MockHandshake = MockAccept | MockRefusal;

/** A mock server's handler: runs with the server's end of each session, as a `kite-ws/server` route's. */
export type MockServerHandler = (server: MockServerSession, request: MockRequest) => unknown;

/** Settings of the mock server's sessions (the client's come from its WebSockets plugin). */
export interface MockServerSettings {
  /** Milliseconds between the server's pings, or null (the default) for none. */
  readonly pingIntervalMillis?: number | null;
  /** Pong and close-handshake deadline of the server's session (default 15 s). */
  readonly timeoutMillis?: number;
  /** Largest frame the server accepts (default 100 MiB); a bigger one fails its session with 1009. */
  readonly maxFrameSize?: number;
  /** Largest reassembled message the server accepts (default: `maxFrameSize`). */
  readonly maxMessageSize?: number;
  /** The converter for the server's `sendSerialized` / `receiveDeserialized`. */
  readonly converter?: WebSocketContentConverter | null;
  /** The server session's channels (default: 64 frames each, `"suspend"`). */
  readonly channels?: {
    /** Bound of the server's `incoming`; a full one stops reading the client's frames with "suspend". */
    readonly incoming?: ChannelConfig;
    /** Bound of the server's `outgoing`; a full one makes the server's `send` wait with "suspend". */
    readonly outgoing?: ChannelConfig;
  };
}

/** Options of a `MockEngine`. */
export interface MockEngineOptions {
  /**
   * Subprotocols the server speaks, in its order of preference: the first one the client offered is
   * chosen, else none (RFC 6455 §4.2.2). A `handshake` hook's `protocol` overrides it.
   */
  readonly protocols?: readonly string[];
  /**
   * Called with each request before the upgrade: return `{ status: 403, body: "..." }` (a
   * `MockRefusal`) to refuse, `{ protocol: "chat.v2" }` (a `MockAccept`) or nothing to accept. A
   * hook that throws answers 500 with the error's message as the body.
   */
  readonly handshake?: (request: MockRequest) => MockHandshake | undefined | void | Promise<MockHandshake | undefined | void>;
  /** The server sessions' settings. */
  readonly server?: MockServerSettings;
  /**
   * Bytes written by one side and not yet taken by the other past which the writer waits (default
   * 64 KiB), the in-memory stand-in for socket buffers: with a reader that stops reading, the
   * writer's `send` eventually waits.
   */
  readonly highWaterMark?: number;
  /**
   * Called when a handler throws (its session still closes with 1011 and the error's message). The
   * errors are also kept in `MockEngine.errors`.
   */
  readonly onHandlerError?: (error: unknown, request: MockRequest) => void;
}

/** One accepted connection, as `MockEngine.connections` yields it (engines made without a handler). */
export interface MockConnection {
  /** The server's end of the session; close it when done (or let the client close). */
  readonly server: MockServerSession;
  /** The handshake request that opened it, as the server saw it. */
  readonly request: MockRequest;
}

const CAPABILITIES: readonly EngineCapability[] = Object.freeze([
  "websockets",
  "pingFrames",
  "customHeaders",
  "rawFrames",
  "frameSizeLimit",
  "fragmentedFrames",
  "readBackpressure",
  "handshakeResponse",
]);

const LIMITATIONS: Readonly<Partial<Record<EngineCapability, string>>> = Object.freeze({
  extensions: "MockEngine moves frames in memory and runs no extensions (permessage-deflate is tested over CIO)",
});

const DEFAULT_HIGH_WATER_MARK = 64 * 1024;
const MAX_BODY_CHARS = 4096;

/**
 * An engine that runs a scripted server in the same process, with no sockets, for unit tests of
 * code that takes an `HttpClient` (Ktor's `MockEngine`, for WebSockets):
 *
 * ```ts
 * const client = new HttpClient(new MockEngine(async (server, request) => {
 *   const frame = await server.incoming.receive();
 *   await server.send(`echo: ${(frame as Frame.Text).readText()}`);
 * }), (config) => config.install(WebSockets));
 * ```
 *
 * The server's end is a real `DefaultWebSocketSession`, connected to the client's session through an
 * in-memory pair of transports, so both ends behave as over CIO: the close handshake, pings answered
 * (and ping timeouts), `maxFrameSize` (1009), `maxMessageSize`, UTF-8 checks, reassembly of
 * fragments, and backpressure from a reader that stops reading. When the handler returns, the server
 * session closes with 1000; when it throws, with 1011 and the error's message.
 *
 * Made without a handler (`new MockEngine()` or `new MockEngine(options)`), the engine queues every
 * accepted connection on `connections` for the test to take.
 */
export class MockEngine implements HttpClientEngine {
  /** The name in errors: "Mock". */
  readonly name = "Mock";
  /** Everything but `extensions`. */
  readonly capabilities: ReadonlySet<EngineCapability> = new Set(CAPABILITIES);
  /** Why `extensions` is missing. */
  readonly limitations = LIMITATIONS;
  /** Every handshake request seen, accepted or not, in order. */
  readonly requests: MockRequest[] = [];
  /** Errors thrown by the handler, in order; a test may assert that none were thrown. */
  readonly errors: unknown[] = [];
  private readonly handler: MockServerHandler | null;
  private readonly options: MockEngineOptions;
  private readonly pending: MockConnection[] = [];
  private readonly waiters: ((result: IteratorResult<MockConnection, undefined>) => void)[] = [];
  private closed = false;

  /** An engine whose connections run `handler`. */
  constructor(handler: MockServerHandler, options?: MockEngineOptions);
  /** An engine whose connections are taken from `connections`. */
  constructor(options?: MockEngineOptions);
  constructor(handlerOrOptions?: MockServerHandler | MockEngineOptions, options?: MockEngineOptions) {
    if (typeof handlerOrOptions === "function") {
      this.handler = handlerOrOptions;
      this.options = options ?? {};
    } else {
      this.handler = null;
      this.options = handlerOrOptions ?? {};
    }
    const highWaterMark = this.options.highWaterMark;
    if (highWaterMark !== undefined && typeof highWaterMark !== "number") throw typeError("highWaterMark", "a positive number of bytes", highWaterMark);
    if (highWaterMark !== undefined && !(Number.isFinite(highWaterMark) && highWaterMark > 0)) {
      throw rangeError("highWaterMark", "a positive number of bytes", highWaterMark);
    }
  }

  /**
   * The accepted connections of an engine made without a handler, in order; `for await` ends when
   * the engine is closed (`client.close()`). An engine with a handler yields nothing.
   */
  get connections(): AsyncIterable<MockConnection> {
    return { [Symbol.asyncIterator]: () => ({ next: () => this.next() }) };
  }

  /** The next accepted connection (see `connections`); rejects once the engine is closed. */
  async nextConnection(): Promise<MockConnection> {
    const result = await this.next();
    if (result.done) throw new WebSocketError("The MockEngine is closed", { code: "KITE_ERR_ENGINE_CLOSED" });
    return result.value;
  }

  /** Opens an in-memory connection to the mock server; called by the WebSockets plugin (the `HttpClientEngine` contract). */
  async connectWebSocket(request: WebSocketRequest): Promise<EngineConnection> {
    const signal = request.signal;
    signal?.throwIfAborted();
    if (offersExtensions(request)) throw capabilityError(this, "extensions");
    const mockRequest = toMockRequest(request);
    this.requests.push(mockRequest);

    const decided = this.decide(mockRequest);
    const decision = await (signal === undefined ? decided : abortable(decided, signal));
    if (decision.status !== undefined && decision.status !== 101) throw refused(decision as MockRefusal);
    const accept = decision as MockAccept;
    const protocol = accept.protocol !== undefined ? accept.protocol : (this.options.protocols?.find((p) => request.protocols.includes(p)) ?? null);
    const headers = new Headers(accept.headers);
    headers.set("upgrade", "websocket");
    headers.set("connection", "Upgrade");
    if (protocol !== null) headers.set("sec-websocket-protocol", protocol);
    const response: HandshakeResponse = { status: 101, statusText: "Switching Protocols", headers };
    if (protocol !== null && !request.protocols.includes(protocol)) {
      throw new WebSocketHandshakeError(`Server chose subprotocol ${JSON.stringify(protocol)}, which was not offered`, response);
    }

    const settings = this.options.server ?? {};
    const highWaterMark = this.options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    const serverMaxFrameSize = settings.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    const [clientEnd, serverEnd] = MemoryTransport.pair(
      { masking: true, maxFrameSize: request.maxFrameSize, highWaterMark },
      { masking: false, maxFrameSize: serverMaxFrameSize, highWaterMark },
    );
    const server = new DefaultWebSocketSession({
      transport: serverEnd,
      protocol,
      response: null,
      converter: settings.converter ?? null,
      channels: settings.channels,
      maxFrameSize: serverMaxFrameSize,
      maxMessageSize: settings.maxMessageSize,
      pingIntervalMillis: settings.pingIntervalMillis ?? null,
      timeoutMillis: settings.timeoutMillis,
    });
    // As a `kite-ws/server` route's handler, but the client always gets the error's message.
    if (this.handler !== null) void runHandler(this.handler, server, mockRequest, { onError: (error) => this.report(error, mockRequest), exposeErrors: true });
    else this.accept({ server, request: mockRequest });
    return { transport: clientEnd, response, protocol, extensions: [] };
  }

  /** Ends `connections`; sessions already open carry on. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const resolve of this.waiters.splice(0)) resolve({ done: true, value: undefined });
  }

  private async decide(request: MockRequest): Promise<MockHandshake> {
    const hook = this.options.handshake;
    if (hook === undefined) return {};
    try {
      return (await hook(request)) ?? {};
    } catch (error) {
      return { status: 500, statusText: "Internal Server Error", body: error instanceof Error ? error.message : String(error) };
    }
  }

  private report(error: unknown, request: MockRequest): void {
    this.errors.push(error);
    try {
      this.options.onHandlerError?.(error, request);
    } catch (hookError) {
      console.error("kite-ws/testing: onHandlerError threw:", hookError, "while reporting:", error);
    }
  }

  private accept(connection: MockConnection): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter({ done: false, value: connection });
    else this.pending.push(connection);
  }

  private next(): Promise<IteratorResult<MockConnection, undefined>> {
    const connection = this.pending.shift();
    if (connection !== undefined) return Promise.resolve({ done: false, value: connection });
    if (this.closed) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** The request as a server would see it: headers CIO would add, credentials as `Authorization`. */
function toMockRequest(request: WebSocketRequest): MockRequest {
  const headers = new Headers(request.headers);
  let url = request.url;
  if (url.username !== "" || url.password !== "") {
    if (!headers.has("authorization")) headers.set("authorization", basicAuthorization(url));
    url = withoutCredentials(url);
  }
  headers.set("upgrade", "websocket");
  headers.set("connection", "Upgrade");
  headers.set("sec-websocket-version", "13");
  const key = new Uint8Array(16);
  globalThis.crypto.getRandomValues(key);
  headers.set("sec-websocket-key", btoa(String.fromCharCode(...key)));
  if (request.protocols.length > 0) headers.set("sec-websocket-protocol", request.protocols.join(", "));
  return Object.freeze({ url, method: request.method, headers, protocols: Object.freeze([...request.protocols]) });
}

function refused(refusal: MockRefusal): WebSocketHandshakeError {
  const statusText = refusal.statusText ?? "";
  const response: HandshakeResponse = { status: refusal.status, statusText, headers: new Headers(refusal.headers) };
  const body = (refusal.body ?? "").slice(0, MAX_BODY_CHARS);
  return new WebSocketHandshakeError(`Expected status 101 Switching Protocols, got ${refusal.status} ${statusText}`.trim(), response, body);
}
