import {
  capabilityError,
  type EngineCapability,
  type EngineConnection,
  type HttpClientEngine,
  type HttpClientEngineFactory,
  type WebSocketRequest,
} from "../engine.js";
import { PlatformEngineConfig, checkPlatformConfig, type WebSocketConstructorLike } from "./platform-config.js";
import { PlatformTransport, runtimeError, type RuntimeWebSocket, CONNECTING, OPEN } from "./platform-transport.js";
import { basicAuthorization, offersExtensions, parseExtensionsHeader, withoutCredentials } from "../shared.js";
import { WebSocketHandshakeError } from "../../errors.js";
import { connectTimeoutError } from "../connect-error.js";

/** What the Platform engine cannot do, as its errors and the engine table say it. */
const LIMITATIONS: Readonly<Partial<Record<EngineCapability, string>>> = Object.freeze({
  websockets: "this runtime has no global WebSocket: pass one, e.g. config.engine((platform) => { platform.webSocket = WebSocket }) with undici's",
  pingFrames: "the runtime's WebSocket sends no ping or pong frames of a script's choosing (it answers the peer's pings itself)",
  customHeaders:
    "the runtime's WebSocket takes no request headers (browsers); on a runtime whose constructor takes { protocols, headers } (undici's, as on Node.js) set platform.customHeaders = true",
  rawFrames: "the runtime's WebSocket gives whole messages only: no control frames, no fragments, no RSV bits",
  frameSizeLimit:
    "the runtime receives each message whole before the engine sees it, so maxFrameSize is checked per message after the fact; use maxMessageSize, or an engine that limits frames as they arrive",
  fragmentedFrames: "the runtime's WebSocket sends each message as one frame (fin = true)",
  readBackpressure: "the runtime's WebSocket cannot stop reading: while incoming is full, messages wait in memory",
  handshakeResponse: "the runtime's WebSocket does not show the handshake response: session.response is null",
  extensions:
    "the runtime's WebSocket negotiates extensions itself (browsers offer permessage-deflate on their own): ws.extensions(...) cannot be honoured",
});

/**
 * An engine over the runtime's own `WebSocket` (browsers, Deno, Bun, Node.js 22+, or undici's on
 * Node.js 20): the same sessions, channels and converters as CIO, within what the WebSocket API
 * allows. What it cannot do (pings, raw frames, fragments, request headers in browsers, a per-frame
 * size limit) fails with `EngineCapabilityError` when the client is built or when a session opens or
 * sends, never silently.
 */
export class PlatformEngine implements HttpClientEngine {
  readonly name = "Platform";
  readonly capabilities: ReadonlySet<EngineCapability>;
  readonly limitations = LIMITATIONS;
  /** The settings it was made with (`config.engine((platform) => ...)`). */
  readonly config: PlatformEngineConfig;
  private readonly webSocket: WebSocketConstructorLike | null;
  private readonly headers: boolean;

  constructor(config: PlatformEngineConfig = new PlatformEngineConfig()) {
    checkPlatformConfig(config);
    this.config = config;
    const global = (globalThis as { WebSocket?: unknown }).WebSocket;
    this.webSocket = config.webSocket ?? (typeof global === "function" ? (global as WebSocketConstructorLike) : null);
    if (this.webSocket !== null && typeof this.webSocket !== "function") {
      throw new TypeError("platform.webSocket must be a WebSocket class");
    }
    this.headers = config.customHeaders ?? takesHeaders();
    const capabilities: EngineCapability[] = [];
    if (this.webSocket !== null) capabilities.push("websockets");
    if (this.headers) capabilities.push("customHeaders");
    this.capabilities = new Set(capabilities);
  }

  connectWebSocket(request: WebSocketRequest): Promise<EngineConnection> {
    const signal = request.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const WebSocketClass = this.webSocket;
    if (WebSocketClass === null) return Promise.reject(capabilityError(this, "websockets"));
    if (offersExtensions(request)) return Promise.reject(capabilityError(this, "extensions"));

    const headers = new Headers(request.headers);
    let url = request.url;
    if (url.username !== "" || url.password !== "") {
      if (!this.headers) {
        return Promise.reject(capabilityError(this, "customHeaders", "credentials in the URL would need an Authorization header, which this runtime's WebSocket cannot send"));
      }
      if (!headers.has("authorization")) headers.set("authorization", basicAuthorization(url));
      url = withoutCredentials(url);
    }
    if (!this.headers && !headers.keys().next().done) return Promise.reject(capabilityError(this, "customHeaders"));

    let ws: RuntimeWebSocket;
    try {
      const protocols = [...request.protocols];
      const create = WebSocketClass as unknown as new (url: string, second: unknown) => RuntimeWebSocket;
      ws = this.headers
        ? new create(url.href, { ...this.config.webSocketInit, protocols, headers: Object.fromEntries(headers) })
        : new create(url.href, protocols);
    } catch (error) {
      return Promise.reject(new WebSocketHandshakeError(`The runtime's WebSocket refused ${url.href}: ${(error as Error).message}`, null, "", { cause: error }));
    }
    if (typeof ws.send !== "function" || typeof ws.close !== "function" || !("readyState" in ws)) {
      return Promise.reject(new TypeError("platform.webSocket did not make a WebSocket (with send, close and readyState)"));
    }
    ws.binaryType = "arraybuffer";
    return this.awaitOpen(ws, url, request);
  }

  close(): void {
    // Nothing is pooled: every session owns its WebSocket.
  }

  private awaitOpen(ws: RuntimeWebSocket, url: URL, request: WebSocketRequest): Promise<EngineConnection> {
    const signal = request.signal;
    const timeoutMillis = this.config.connectTimeoutMillis;
    return new Promise((resolve, reject) => {
      let error: Error | null = null;
      const settle = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        ws.onopen = ws.onerror = ws.onclose = null;
      };
      const giveUp = (reason: unknown): void => {
        settle();
        if (ws.readyState === CONNECTING || ws.readyState === OPEN) ws.close();
        reject(reason);
      };
      const onAbort = (): void => giveUp(signal!.reason);
      const timer = setTimeout(() => giveUp(connectTimeoutError(url, timeoutMillis, "platform.connectTimeoutMillis")), timeoutMillis);
      signal?.addEventListener("abort", onAbort, { once: true });
      ws.onerror = (event) => (error ??= runtimeError(event));
      ws.onclose = (event) => {
        settle();
        const cause = error === null ? "" : `: ${error.message}`;
        reject(
          new WebSocketHandshakeError(
            `Could not open a WebSocket to ${url.href} (close code ${event.code}${event.reason ? `, ${event.reason}` : ""})${cause}. ` +
              "The runtime's WebSocket does not say why: a refused connection, an answer other than 101, or a failed TLS handshake",
            null,
            "",
            error === null ? undefined : { cause: error },
          ),
        );
      };
      ws.onopen = () => {
        settle();
        const protocol = ws.protocol === "" ? null : ws.protocol;
        if (protocol !== null && !request.protocols.includes(protocol)) {
          ws.close();
          reject(new WebSocketHandshakeError(`Server chose subprotocol ${JSON.stringify(protocol)}, which was not offered`));
          return;
        }
        const transport = new PlatformTransport(ws, {
          engine: this,
          maxFrameSize: request.maxFrameSize,
          writeHighWaterMark: this.config.writeHighWaterMark,
          drainPollMillis: this.config.drainPollMillis,
        });
        resolve({ transport, response: null, protocol, extensions: parseExtensionsHeader(ws.extensions) });
      };
    });
  }
}

/**
 * Whether this runtime's WebSocket takes `{ protocols, headers }`: undici's on Node.js does. Bun and
 * Deno also call themselves Node.js in `process.versions`; their constructors differ, so they are
 * left to `platform.customHeaders = true`.
 */
function takesHeaders(): boolean {
  const versions = (globalThis as { process?: { versions?: Record<string, string | undefined> } }).process?.versions;
  return typeof versions?.node === "string" && versions.bun === undefined && versions.deno === undefined;
}

/**
 * The Platform engine factory: `new HttpClient(Platform, (config) => ...)`; the default engine of
 * the browser build.
 */
export const Platform: HttpClientEngineFactory<PlatformEngineConfig> = {
  name: "Platform",
  create(configure) {
    const config = new PlatformEngineConfig();
    configure?.(config);
    return new PlatformEngine(config);
  },
};
