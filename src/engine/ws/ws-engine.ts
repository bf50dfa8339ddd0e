import { createRequire } from "node:module";
import type { IncomingMessage, ClientRequest } from "node:http";
import {
  capabilityError,
  type EngineCapability,
  type EngineConnection,
  type HttpClientEngine,
  type HttpClientEngineFactory,
  type WebSocketRequest,
} from "../engine.js";
import { WsEngineConfig, checkWsConfig, type WsEngineOptions, type WsWebSocketFactory } from "./ws-config.js";
import { WsTransport, type WsSocket } from "./ws-transport.js";
import { offersExtensions, parseExtensionsHeader } from "../shared.js";
import { callerHeaderFields } from "../handshake-request.js";
import { WebSocketHandshakeError, type HandshakeResponse } from "../../errors.js";
import { connectTimeoutError, toConnectError } from "../connect-error.js";

/** How much of a refused handshake's body is kept for the error, and how long to wait for it. */
const BODY_EXCERPT_BYTES = 4 * 1024;
const BODY_WAIT_MILLIS = 1_000;

const LIMITATIONS: Readonly<Partial<Record<EngineCapability, string>>> = Object.freeze({
  websockets: "the ws package is not installed: it is an optional peer dependency of kite-ws (npm install ws)",
  rawFrames:
    "ws reassembles fragmented messages before it gives them (a raw session gets each message as one final frame), answers the peer's Close itself at once, and sets RSV bits only for its own permessage-deflate",
  extensions: "ws runs its own permessage-deflate, not kite-ws's extensions: turn it on with preconfigured = { perMessageDeflate: true }",
  frameSizeLimit:
    "ws limits whole messages (maxPayload = maxFrameSize), so maxMessageSize above maxFrameSize is not reached; a live session may lower maxFrameSize, not raise it",
});

/**
 * An engine over the `ws` package (an optional peer dependency: install it next to kite-ws). The
 * plugin's pings go through ws's `ping()` and its pongs come back to the session, so `pingInterval`
 * and the pong timeout work as with CIO. `preconfigured` takes your own ws options or a function
 * that creates the WebSocket.
 */
export class WsClientEngine implements HttpClientEngine {
  readonly name = "WsEngine";
  readonly capabilities: ReadonlySet<EngineCapability>;
  readonly limitations = LIMITATIONS;
  /** The settings it was made with (`config.engine((ws) => ...)`); `preconfigured` is read at each connect. */
  readonly config: WsEngineConfig;
  private readonly create: WsWebSocketFactory | null;

  constructor(config: WsEngineConfig = new WsEngineConfig()) {
    checkWsConfig(config);
    this.config = config;
    const preconfigured = config.preconfigured;
    if (typeof preconfigured === "function") {
      this.create = preconfigured as WsWebSocketFactory;
    } else {
      const WebSocketClass = config.webSocket ?? loadWs();
      this.create = WebSocketClass === null ? null : (url, protocols, options) => new WebSocketClass(url, protocols, options);
    }
    const capabilities: EngineCapability[] = [
      "pingFrames",
      "customHeaders",
      "rawFrames",
      "frameSizeLimit",
      "fragmentedFrames",
      "readBackpressure",
      "handshakeResponse",
    ];
    if (this.create !== null) capabilities.unshift("websockets");
    this.capabilities = new Set(capabilities);
  }

  connectWebSocket(request: WebSocketRequest): Promise<EngineConnection> {
    const signal = request.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.create === null) return Promise.reject(capabilityError(this, "websockets"));
    if (offersExtensions(request)) return Promise.reject(capabilityError(this, "extensions"));
    const user = (typeof this.config.preconfigured === "object" ? this.config.preconfigured : null) as Record<string, unknown> | null;
    const options: WsEngineOptions = {
      perMessageDeflate: false,
      followRedirects: false,
      ...user,
      headers: { ...(user?.headers as Record<string, string> | undefined), ...Object.fromEntries(callerHeaderFields(request) ?? []) },
      maxPayload: request.maxFrameSize,
      autoPong: false,
    };
    let ws: WsSocket;
    try {
      ws = this.create(request.url.href, [...request.protocols], options) as WsSocket;
    } catch (error) {
      return Promise.reject(new WebSocketHandshakeError(`ws refused ${request.url.href}: ${(error as Error).message}`, null, "", { cause: error }));
    }
    if (ws === null || typeof ws !== "object" || typeof ws.send !== "function" || typeof ws.ping !== "function" || typeof ws.on !== "function") {
      return Promise.reject(new TypeError("ws.preconfigured did not return a ws WebSocket"));
    }
    // ws emits 'error' more than once in some failures; an EventEmitter without a listener would throw.
    ws.on("error", () => {});
    ws.binaryType = "nodebuffer";
    return this.awaitOpen(ws, request);
  }

  close(): void {
    // Nothing is pooled: every session owns its WebSocket.
  }

  private awaitOpen(ws: WsSocket, request: WebSocketRequest): Promise<EngineConnection> {
    const signal = request.signal;
    const timeoutMillis = this.config.connectTimeoutMillis;
    return new Promise((resolve, reject) => {
      let response: HandshakeResponse | null = null;
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        ws.off("upgrade", onUpgrade);
        ws.off("open", onOpen);
        ws.off("unexpected-response", onUnexpected);
        ws.off("error", onError);
        ws.off("close", onClose);
        return true;
      };
      const giveUp = (reason: unknown): void => {
        if (!settle()) return;
        ws.terminate();
        reject(reason);
      };
      const onAbort = (): void => giveUp(signal!.reason);
      const timer = setTimeout(() => giveUp(connectTimeoutError(request.url, timeoutMillis, "ws.connectTimeoutMillis")), timeoutMillis);
      const onUpgrade = (message: IncomingMessage): void => {
        response = toResponse(message);
      };
      const onUnexpected = (req: ClientRequest, message: IncomingMessage): void => {
        if (!settle()) return;
        const refused = toResponse(message);
        readBody(message).then((body) => {
          req.destroy();
          ws.terminate();
          reject(new WebSocketHandshakeError(`Expected status 101 Switching Protocols, got ${refused.status} ${refused.statusText}`.trim(), refused, body));
        });
      };
      const onError = (error: Error & { code?: unknown }): void => {
        // Network and TLS errors (Node's codes) become ConnectError / TlsError, as CIO's do; ws's checks of the answer become handshake errors.
        giveUp(
          typeof error.code === "string" && !error.code.startsWith("WS_")
            ? toConnectError(error, { url: request.url, engine: "ws" })
            : new WebSocketHandshakeError(`${error.message}`, response, "", { cause: error }),
        );
      };
      const onClose = (): void => giveUp(new WebSocketHandshakeError("Connection closed before the handshake completed", response));
      const onOpen = (): void => {
        if (!settle()) return;
        const transport = new WsTransport(ws, {
          engine: this,
          maxPayload: request.maxFrameSize,
          writeHighWaterMark: this.config.writeHighWaterMark,
        });
        resolve({ transport, response, protocol: ws.protocol === "" ? null : ws.protocol, extensions: parseExtensionsHeader(ws.extensions) });
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      ws.on("upgrade", onUpgrade);
      ws.on("open", onOpen);
      ws.on("unexpected-response", onUnexpected);
      ws.on("error", onError);
      ws.on("close", onClose);
    });
  }
}

/** The `ws` package's WebSocket class, or null when it is not installed. */
function loadWs(): (new (url: string, protocols: string[], options: WsEngineOptions) => object) | null {
  try {
    const loaded = createRequire(import.meta.url)("ws") as { WebSocket?: unknown } | ((...args: never[]) => unknown);
    const WebSocketClass = typeof loaded === "function" ? loaded : loaded.WebSocket;
    return typeof WebSocketClass === "function" ? (WebSocketClass as new (url: string, protocols: string[], options: WsEngineOptions) => object) : null;
  } catch {
    return null;
  }
}

function toResponse(message: IncomingMessage): HandshakeResponse {
  const headers = new Headers();
  const raw = message.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i], raw[i + 1]);
    } catch {
      // A header value Headers refuses is left out.
    }
  }
  return { status: message.statusCode ?? 0, statusText: message.statusMessage ?? "", headers };
}

/** At most 4 KiB of a refused handshake's body, waiting at most a second. */
function readBody(message: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const parts: Uint8Array[] = [];
    let size = 0;
    const done = (): void => {
      clearTimeout(timer);
      message.off("data", onData);
      message.off("end", done);
      message.off("error", done);
      message.off("close", done);
      const joined = new Uint8Array(size);
      let at = 0;
      for (const part of parts) {
        joined.set(part, at);
        at += part.length;
      }
      resolve(new TextDecoder().decode(joined.subarray(0, BODY_EXCERPT_BYTES)));
    };
    const onData = (chunk: Uint8Array): void => {
      parts.push(chunk);
      size += chunk.length;
      if (size >= BODY_EXCERPT_BYTES) done();
    };
    const timer = setTimeout(done, BODY_WAIT_MILLIS);
    message.on("data", onData);
    message.on("end", done);
    message.on("error", done);
    message.on("close", done);
  });
}

/** The `ws` engine factory: `new HttpClient(WsEngine, (config) => config.engine((ws) => { ws.preconfigured = { ... } }))`. */
export const WsEngine: HttpClientEngineFactory<WsEngineConfig> = {
  name: "WsEngine",
  create(configure) {
    const config = new WsEngineConfig();
    configure?.(config);
    return new WsClientEngine(config);
  },
};
