/**
 * `kite-ws/reconnect`: the Reconnect plugin. Importing it adds `client.reconnectingSession(...)` and
 * `client.reconnectingWebSocket(...)` to `HttpClient`; install the plugin with
 * `config.install(Reconnect, (r) => { ... })` beside WebSockets.
 *
 * @module kite-ws/reconnect
 */
import "./builders.js";

export { Reconnect } from "./reconnect.js";
export {
  ReconnectConfig,
  type ReconnectSettings,
  type QueueLimits,
  type QueueOverflowPolicy,
  type ShouldReconnect,
} from "./reconnect-config.js";
export { ReconnectingWebSocketSession } from "./reconnecting-session.js";
export type { ReconnectState, ReconnectTarget, ReconnectTargetContext, ReconnectOptions, OnOpenHook, RetryRule } from "./reconnect-types.js";
export type {
  ReconnectEvent,
  ReconnectEventMap,
  ReconnectEventType,
  ReconnectListener,
  ConnectingEvent,
  OpenEvent,
  ClosedEvent,
  FailedEvent,
  RetryEvent,
  GaveUpEvent,
  DroppedEvent,
  EndedEvent,
} from "./events.js";
export {
  defaultShouldReconnect,
  isTransientError,
  retryAfterMillis,
  RECONNECT_CLOSE_CODES,
  type ReconnectCause,
  type ReconnectContext,
} from "./policy.js";
export { QueueOverflowError, ReconnectGaveUpError } from "./errors.js";
