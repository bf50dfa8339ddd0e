// The API every build of kite-ws shares: the client, plugins, sessions, frames, errors and the
// Platform engine. Nothing here may import a node: module (test/browser/import-graph.test.ts checks
// the browser build that re-exports it); index.ts adds what needs Node.js.
export { HttpClient } from "./client/http-client.js";
export { HttpClientConfig } from "./client/http-client-config.js";
export type { HttpClientPlugin } from "./client/plugin.js";
export { HttpMethod } from "./client/http-method.js";
export type { WebSocketTarget, WebSocketRequestOptions } from "./client/target.js";

// Platform has no node: import, so every build has it.
export { Platform, PlatformEngine } from "./engine/platform/platform-engine.js";
export { PlatformEngineConfig, type WebSocketConstructorLike } from "./engine/platform/platform-config.js";
export { ENGINE_CAPABILITIES } from "./engine/engine.js";
export type {
  EngineCapability,
  EngineConnection,
  HttpClientEngine,
  HttpClientEngineFactory,
  WebSocketRequest,
} from "./engine/engine.js";
export type { FrameTransport, FrameSink } from "./transport/frame-transport.js";

export { WebSockets, type WebSocketsPlugin } from "./plugins/websockets/websockets.js";
export { WebSocketsConfig, WebSocketChannelsConfig } from "./plugins/websockets/websockets-config.js";

export { WebSocketSession } from "./session/websocket-session.js";
export { DefaultWebSocketSession } from "./session/default-session.js";
export type { ChannelConfig, OverflowPolicy, ReceiveChannel, SendChannel } from "./session/channel.js";
export type { NegotiatedExtension } from "./extensions/extension.js";

export { Frame, type BinaryData } from "./protocol/frame.js";
export { FrameType } from "./protocol/frame-type.js";
export { CloseReason } from "./protocol/close-reason.js";

export type { WebSocketContentConverter } from "./serialization/converter.js";
export { JsonConverter } from "./serialization/json-converter.js";
// Typed messages validated by any Standard Schema (zod, valibot, arktype, ...).
export type {
  StandardSchemaV1,
  StandardSchemaV1Props,
  StandardSchemaV1Result,
  StandardSchemaV1SuccessResult,
  StandardSchemaV1FailureResult,
  StandardSchemaV1Issue,
  StandardSchemaV1PathSegment,
  StandardSchemaV1Types,
  InferInput,
  InferOutput,
} from "./serialization/standard-schema.js";
export type { MessagesOptions, InvalidMessageError, SendContent } from "./serialization/frame-conversion.js";
export type { Duration } from "./util/duration.js";

export {
  WebSocketError,
  WebSocketHandshakeError,
  ProtocolViolationError,
  FrameTooBigError,
  ClosedReceiveChannelError,
  ClosedSendChannelError,
  PingTimeoutError,
  ConnectionClosedError,
  CloseTimeoutError,
  ConnectError,
  TlsError,
  ConnectTimeoutError,
  ChannelOverflowError,
  EngineCapabilityError,
  PluginNotInstalledError,
  ConverterNotFoundError,
  DeserializationError,
  SchemaValidationError,
  type HandshakeResponse,
  type WebSocketErrorCode,
  type WebSocketErrorOptions,
} from "./errors.js";

import type { DefaultWebSocketSession } from "./session/default-session.js";
import type { WebSocketSession } from "./session/websocket-session.js";
/** Ktor's name for the session a client's `webSocket` block gets. */
export type DefaultClientWebSocketSession = DefaultWebSocketSession;
/** Ktor's name for a client's raw session. */
export type ClientWebSocketSession = WebSocketSession;

// The Reconnect plugin (issue 10).
export { Reconnect, type ReconnectPlugin } from "./plugins/reconnect/reconnect.js";
export {
  ReconnectConfig,
  type ReconnectSettings,
  type QueueLimits,
  type QueueOverflowPolicy,
  type ShouldReconnect,
} from "./plugins/reconnect/reconnect-config.js";
export {
  ReconnectingWebSocketSession,
  type ReconnectState,
  type ReconnectTarget,
  type ReconnectTargetContext,
  type ReconnectOptions,
  type OnOpenHook,
} from "./plugins/reconnect/reconnecting-session.js";
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
} from "./plugins/reconnect/events.js";
export {
  defaultShouldReconnect,
  isTransientError,
  retryAfterMillis,
  RECONNECT_CLOSE_CODES,
  type ReconnectCause,
  type ReconnectContext,
} from "./plugins/reconnect/policy.js";
export { QueueOverflowError, ReconnectGaveUpError } from "./plugins/reconnect/errors.js";

// The Logging plugin (issue 11).
export { Logging, type LoggingPlugin } from "./plugins/logging/logging.js";
export { LoggingConfig, type LogLevel, type Logger, type LoggingFilter, type SanitizePredicate } from "./plugins/logging/logging-config.js";

// Extensions: the general mechanism (permessage-deflate, on node:zlib, is exported by index.ts only).
export { WebSocketExtensionsConfig } from "./extensions/extensions-config.js";
export type {
  WebSocketExtensionFactory,
  ClientExtension,
  ServerExtension,
  ExtensionCodec,
  ExtensionParameter,
  ExtensionRsvBits,
  DecodeLimits,
} from "./extensions/extension.js";
export type { RsvBits } from "./protocol/frame-parser.js";
