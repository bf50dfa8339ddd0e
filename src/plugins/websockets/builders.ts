import type { HttpClient } from "../../client/http-client.js";
import { resolveTarget, type WebSocketTarget } from "../../client/target.js";
import { WebSockets } from "./websockets.js";
import { WebSocketSession, type SessionInit } from "../../session/websocket-session.js";
import { DefaultWebSocketSession } from "../../session/default-session.js";
import { CloseReason } from "../../protocol/close-reason.js";
import { EngineCapabilityError, WebSocketError } from "../../errors.js";
import { connectWebSocket } from "../logging/connect.js";
import { callerHeaderFields } from "../../engine/handshake-request.js";

interface BuilderOptions {
  readonly raw: boolean;
  readonly secure?: boolean;
}

/** Connects and returns a session (default or raw) configured by the client's WebSockets plugin. */
export async function openWebSocketSession(client: HttpClient, target: WebSocketTarget, options: BuilderOptions): Promise<WebSocketSession> {
  const settings = client.plugin(WebSockets);
  if (client.isClosed) throw new WebSocketError("The HttpClient is closed", { code: "KITE_ERR_CLIENT_CLOSED" });
  const request = resolveTarget(target, { secure: options.secure, maxFrameSize: settings.maxFrameSize, extensions: settings.extensions });
  const engine = client.engine;
  if (options.raw && !engine.capabilities.has("rawFrames")) throw new EngineCapabilityError(engine.name, "rawFrames", engine.limitations?.rawFrames);
  if (callerHeaderFields(request) !== null && !engine.capabilities.has("customHeaders")) {
    throw new EngineCapabilityError(engine.name, "customHeaders", engine.limitations?.customHeaders);
  }
  // The engine's connect, through the Logging plugin's transport when it is installed and on.
  const connection = await connectWebSocket(client, request);
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

/** Runs `block` with a fresh session, closes it, and settles with the block's value or error. */
export async function runWebSocket<S extends WebSocketSession, R>(
  client: HttpClient,
  target: WebSocketTarget,
  block: (session: S) => R | Promise<R>,
  options: BuilderOptions,
): Promise<R> {
  const session = (await openWebSocketSession(client, target, options)) as S;
  let result: R;
  try {
    result = await block(session);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await session.close(new CloseReason(CloseReason.Codes.INTERNAL_ERROR, message));
    throw error;
  }
  await session.close(new CloseReason(CloseReason.Codes.NORMAL, ""));
  return result;
}
