import type { HttpClient } from "../../client/http-client.js";
import { resolveTarget } from "../../client/target.js";
import { CloseReason, MAX_CLOSE_MESSAGE_BYTES, truncateUtf8 } from "../../protocol/close-reason.js";
import type { DefaultWebSocketSession } from "../../session/default-session.js";
import { WebSocketError } from "../../errors.js";
import { typeError } from "../../util/describe-value.js";
import { WebSockets } from "../websockets/websockets.js";
import { openWebSocketSession } from "../websockets/builders.js";
import { Reconnect } from "./reconnect.js";
import { ReconnectConfig } from "./reconnect-config.js";
import {
  ReconnectingWebSocketSession,
  type OnOpenHook,
  type ReconnectOptions,
  type ReconnectTarget,
} from "./reconnecting-session.js";

/**
 * Makes a reconnecting session on `client`; throws `PluginNotInstalledError` unless both WebSockets
 * and Reconnect are installed, and a `TypeError` / `RangeError` for a malformed target or option.
 */
export function openReconnectingSession(client: HttpClient, target: ReconnectTarget, options: ReconnectOptions = {}): ReconnectingWebSocketSession {
  const ws = client.plugin(WebSockets);
  const base = client.plugin(Reconnect);
  if (client.isClosed) throw new WebSocketError("The HttpClient is closed", { code: "KITE_ERR_CLIENT_CLOSED" });
  if (options === null || typeof options !== "object") throw typeError("reconnectingSession(target, options): options", "an object", options);
  const settings = applyOptions(new ReconnectConfig(base), options).settle();
  const hooks: OnOpenHook[] = options.onOpen === undefined ? [] : typeof options.onOpen === "function" ? [options.onOpen] : [...options.onOpen];
  for (const hook of hooks) if (typeof hook !== "function") throw typeError("onOpen", "a function or an array of functions", hook);
  return new ReconnectingWebSocketSession(
    target,
    {
      settings,
      connect: (parts) => openWebSocketSession(client, parts, { raw: false }) as Promise<DefaultWebSocketSession>,
      resolveUrl: (parts) => resolveTarget(parts, { maxFrameSize: ws.maxFrameSize }).url,
      incoming: ws.channels.incoming,
      maxFrameSize: ws.maxFrameSize,
      converter: ws.contentConverter,
    },
    { signal: options.signal, onOpen: hooks },
  );
}

/**
 * Runs `block` with a reconnecting session, then closes it (1000, after what is queued is sent) and
 * resolves with the block's value once it has ended. If the block throws, the session closes with
 * 1011 and this rejects with the block's error.
 */
export async function runReconnectingWebSocket<R>(
  client: HttpClient,
  target: ReconnectTarget,
  options: ReconnectOptions,
  block: (session: ReconnectingWebSocketSession) => R | Promise<R>,
): Promise<R> {
  if (typeof block !== "function") throw typeError("reconnectingWebSocket(target, block): block", "a function (session) => ...", block);
  const session = openReconnectingSession(client, target, options);
  let result: R;
  try {
    result = await block(session);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await session.close(new CloseReason(CloseReason.Codes.INTERNAL_ERROR, truncateUtf8(message, MAX_CLOSE_MESSAGE_BYTES)));
    throw error;
  }
  await session.close(new CloseReason(CloseReason.Codes.NORMAL, ""));
  return result;
}

/** Copies per-session overrides onto a configuration, through its checking setters. */
function applyOptions(config: ReconnectConfig, options: ReconnectOptions): ReconnectConfig {
  if (options.minDelay !== undefined) config.minDelay = options.minDelay;
  if (options.maxDelay !== undefined) config.maxDelay = options.maxDelay;
  if (options.factor !== undefined) config.factor = options.factor;
  if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
  if (options.connectTimeout !== undefined) config.connectTimeout = options.connectTimeout;
  if (options.minUptime !== undefined) config.minUptime = options.minUptime;
  if (options.maxRetryAfter !== undefined) config.maxRetryAfter = options.maxRetryAfter;
  if (options.shouldReconnect !== undefined) config.shouldReconnect = options.shouldReconnect;
  if (options.maxQueued !== undefined) config.maxQueued = options.maxQueued;
  if (options.onQueueOverflow !== undefined) config.onQueueOverflow = options.onQueueOverflow;
  if (options.random !== undefined) config.random = options.random;
  return config;
}
