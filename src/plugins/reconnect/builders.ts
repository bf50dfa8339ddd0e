import type { HttpClient } from "../../client/http-client.js";
import { extendHttpClient } from "../../client/extend-client.js";
import { resolveTarget } from "../../client/target.js";
import type { DefaultWebSocketSession } from "../../session/default-session.js";
import { typeError } from "../../util/describe-value.js";
import { WebSockets } from "../websockets/websockets.js";
import { openWebSocketSession } from "../websockets/builders.js";
import { runSessionBlock } from "../websockets/session-block.js";
import { Reconnect } from "./reconnect.js";
import { ReconnectConfig } from "./reconnect-config.js";
import { ReconnectingWebSocketSession } from "./reconnecting-session.js";
import type { OnOpenHook, ReconnectOptions, ReconnectTarget } from "./reconnect-types.js";

// The Reconnect plugin's builders, as Ktor's `builders.kt`: declared on `HttpClient` here and added to
// its prototype below when `kite-ws/reconnect` is loaded.
declare module "../../client/http-client.js" {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- merging with the class takes its own type parameter
  interface HttpClient<EngineConfig> {
    /**
     * A session that reconnects, with `kite-ws/reconnect` imported (needs the WebSockets and Reconnect
     * plugins installed, else `PluginNotInstalledError`): one `incoming` and one `outgoing` across connections, backoff with
     * full jitter, a bounded replay queue, `onOpen` hooks and lifecycle events. It starts connecting at
     * once and is returned without waiting; `target` may be a function called before every attempt.
     * Close it with `close()` (or `await using`).
     */
    reconnectingSession(target: ReconnectTarget, options?: ReconnectOptions): ReconnectingWebSocketSession;
    /**
     * Runs `block` with a reconnecting session (with `kite-ws/reconnect` imported), then closes it (1000, after what is queued is sent) and
     * resolves with the block's value once it has ended; if the block throws, the session closes with
     * 1011 and this rejects with the block's error.
     */
    reconnectingWebSocket<R>(target: ReconnectTarget, block: (session: ReconnectingWebSocketSession) => R | Promise<R>): Promise<R>;
    /** `reconnectingWebSocket(target, block)` with options for this session. */
    reconnectingWebSocket<R>(
      target: ReconnectTarget,
      options: ReconnectOptions,
      block: (session: ReconnectingWebSocketSession) => R | Promise<R>,
    ): Promise<R>;
  }
}

type Block<R> = (session: ReconnectingWebSocketSession) => R | Promise<R>;

/**
 * Makes a reconnecting session on `client`; throws `PluginNotInstalledError` unless both WebSockets
 * and Reconnect are installed, and a `TypeError` / `RangeError` for a malformed target or option.
 */
function openReconnectingSession(client: HttpClient, target: ReconnectTarget, options: ReconnectOptions = {}): ReconnectingWebSocketSession {
  const ws = client.plugin(WebSockets);
  const base = client.plugin(Reconnect);
  client.checkOpen();
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

extendHttpClient({
  reconnectingSession(this: HttpClient, target: ReconnectTarget, options?: ReconnectOptions): ReconnectingWebSocketSession {
    return openReconnectingSession(this, target, options);
  },
  async reconnectingWebSocket<R>(this: HttpClient, target: ReconnectTarget, optionsOrBlock: ReconnectOptions | Block<R>, block?: Block<R>): Promise<R> {
    const [options, run] = typeof optionsOrBlock === "function" ? [{}, optionsOrBlock] : [optionsOrBlock, block];
    if (typeof run !== "function") throw typeError("reconnectingWebSocket(target, block): block", "a function (session) => ...", run);
    return runSessionBlock(openReconnectingSession(this, target, options), run);
  },
});
