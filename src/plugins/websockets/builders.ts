import type { HttpClient } from "../../client/http-client.js";
import { extendHttpClient } from "../../client/extend-client.js";
import { resolveTarget, type WebSocketTarget } from "../../client/target.js";
import { WebSockets } from "./websockets.js";
import { runSessionBlock } from "./session-block.js";
import { WebSocketSession, type SessionInit } from "../../session/websocket-session.js";
import { DefaultWebSocketSession } from "../../session/default-session.js";
import { capabilityError } from "../../engine/engine.js";
import { callerHeaderFields } from "../../engine/handshake-request.js";
import { typeError } from "../../util/describe-value.js";

// The WebSockets plugin's builders, as Ktor's `builders.kt`: declared on `HttpClient` here and added
// to its prototype below, so the client itself knows no plugin.
declare module "../../client/http-client.js" {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- merging with the class takes its own type parameter
  interface HttpClient<EngineConfig> {
    /**
     * Opens a session, runs `block` with it, then closes it (1000) and resolves with the block's value
     * once the close handshake is done. If the block throws, the session closes with 1011 and this
     * rejects with the block's error. Needs the WebSockets plugin (else `PluginNotInstalledError`).
     */
    webSocket<R>(target: WebSocketTarget, block: (session: DefaultWebSocketSession) => R | Promise<R>): Promise<R>;
    /** Same as `webSocket`. */
    ws<R>(target: WebSocketTarget, block: (session: DefaultWebSocketSession) => R | Promise<R>): Promise<R>;
    /** `webSocket` over TLS, whatever the target's scheme says. */
    wss<R>(target: WebSocketTarget, block: (session: DefaultWebSocketSession) => R | Promise<R>): Promise<R>;
    /** `webSocket` with a raw session: every frame reaches `incoming`, nothing is automatic. */
    webSocketRaw<R>(target: WebSocketTarget, block: (session: WebSocketSession) => R | Promise<R>): Promise<R>;
    /** Opens a session for use outside a block; close it with `session.close()` (or `await using`). */
    webSocketSession(target: WebSocketTarget): Promise<DefaultWebSocketSession>;
    /** Opens a raw session for use outside a block. */
    webSocketRawSession(target: WebSocketTarget): Promise<WebSocketSession>;
  }
}

interface BuilderOptions {
  readonly raw: boolean;
  readonly secure?: boolean;
}

type Block<S, R> = (session: S) => R | Promise<R>;

/**
 * @internal Connects and returns a session (default or raw) configured by the client's WebSockets
 * plugin, through the client's connect hooks (the Logging plugin's among them).
 */
export async function openWebSocketSession(client: HttpClient, target: WebSocketTarget, options: BuilderOptions): Promise<WebSocketSession> {
  const settings = client.plugin(WebSockets);
  client.checkOpen();
  const request = resolveTarget(target, { secure: options.secure, maxFrameSize: settings.maxFrameSize, extensions: settings.extensions });
  const engine = client.engine;
  if (options.raw && !engine.capabilities.has("rawFrames")) throw capabilityError(engine, "rawFrames");
  if (callerHeaderFields(request) !== null && !engine.capabilities.has("customHeaders")) throw capabilityError(engine, "customHeaders");
  const connection = await client.connect(request);
  const init: SessionInit = {
    transport: connection.transport,
    protocol: connection.protocol,
    response: connection.response,
    extensions: connection.extensions,
    converter: settings.contentConverter,
    channels: settings.channels,
    maxFrameSize: settings.maxFrameSize,
    maxMessageSize: settings.maxMessageSize,
    pingIntervalMillis: settings.pingIntervalMillis,
    timeoutMillis: settings.timeoutMillis,
  };
  const session = options.raw ? new WebSocketSession(init) : new DefaultWebSocketSession(init);
  const signal = request.signal;
  if (signal) {
    const onAbort = (): void => session.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    void session.closeReason.then(() => signal.removeEventListener("abort", onAbort));
  }
  return session;
}

/** A builder that runs a block: the block is checked before anything connects. */
function blockBuilder<S extends WebSocketSession>(name: string, options: BuilderOptions) {
  return async function <R>(this: HttpClient, target: WebSocketTarget, block: Block<S, R>): Promise<R> {
    if (typeof block !== "function") throw typeError(`${name}(target, block): block`, "a function (session) => { ... }", block);
    return runSessionBlock((await openWebSocketSession(this, target, options)) as S, block);
  };
}

extendHttpClient({
  webSocket: blockBuilder<DefaultWebSocketSession>("webSocket", { raw: false }),
  ws: blockBuilder<DefaultWebSocketSession>("ws", { raw: false }),
  wss: blockBuilder<DefaultWebSocketSession>("wss", { raw: false, secure: true }),
  webSocketRaw: blockBuilder<WebSocketSession>("webSocketRaw", { raw: true }),
  webSocketSession(this: HttpClient, target: WebSocketTarget): Promise<DefaultWebSocketSession> {
    return openWebSocketSession(this, target, { raw: false }) as Promise<DefaultWebSocketSession>;
  },
  webSocketRawSession(this: HttpClient, target: WebSocketTarget): Promise<WebSocketSession> {
    return openWebSocketSession(this, target, { raw: true });
  },
});
