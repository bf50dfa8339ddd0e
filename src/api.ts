// The API every build of kite-ws shares: the client, the engines' contract and Platform, the
// WebSockets plugin, sessions, frames, converters and errors. Nothing here may import a node: module
// (test/browser/import-graph.test.ts checks the browser build that re-exports it); index.ts adds what
// needs Node.js. Reconnect and Logging are subpaths of their own (kite-ws/reconnect, kite-ws/logging).
export { HttpClient } from "./client/http-client.js";
export { HttpClientConfig } from "./client/http-client-config.js";
export type { HttpClientPlugin, PluginInstallScope, ConnectHook } from "./client/plugin.js";
export { HttpMethod } from "./client/http-method.js";
export type { WebSocketTarget, WebSocketRequestOptions } from "./client/target.js";

// Platform has no node: import, so every build has it.
export { Platform, PlatformEngine } from "./engine/platform/platform-engine.js";
export { PlatformEngineConfig, type WebSocketConstructorLike } from "./engine/platform/platform-config.js";
export type {
  EngineCapability,
  EngineConnection,
  HttpClientEngine,
  HttpClientEngineFactory,
  WebSocketRequest,
} from "./engine/engine.js";
export type { FrameTransport, FrameSink } from "./transport/frame-transport.js";

// The WebSockets plugin; loading it adds its builders (client.webSocket(...), ...) to HttpClient.
export { WebSockets, type WebSocketsPlugin, WebSocketsConfig, WebSocketChannelsConfig } from "./plugins/websockets/index.js";

export { WebSocketSession } from "./session/websocket-session.js";
export { DefaultWebSocketSession } from "./session/default-session.js";
export type { ChannelConfig, OverflowPolicy, ReceiveChannel, SendChannel } from "./session/channel.js";
export type { MessagesOptions, InvalidMessageError, SendContent } from "./serialization/frame-conversion.js";
export type { Duration } from "./util/duration.js";
// Sessions as WHATWG streams: globals in every runtime kite-ws runs in.
export { toStreams, type WebSocketStreams, type StreamMessage, type StreamWritable } from "./streams/web-streams.js";
export type { StreamableSession } from "./streams/stream-session.js";

export { Frame, type BinaryData } from "./protocol/frame.js";
export { FrameType } from "./protocol/frame-type.js";
export { CloseReason } from "./protocol/close-reason.js";

export type { WebSocketContentConverter } from "./serialization/converter.js";
export { JsonConverter } from "./serialization/json-converter.js";

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
  type HandshakeResponse,
  type WebSocketErrorCode,
  type WebSocketErrorOptions,
} from "./errors.js";
export { DeserializationError, SchemaValidationError } from "./serialization/serialization-errors.js";

// Extensions: the general mechanism (permessage-deflate, on node:zlib, is exported by index.ts only).
export { WebSocketExtensionsConfig } from "./extensions/extensions-config.js";
export type {
  NegotiatedExtension,
  WebSocketExtensionFactory,
  ClientExtension,
  ServerExtension,
  ExtensionCodec,
  ExtensionParameter,
  DecodeLimits,
} from "./extensions/extension.js";
export type { RsvBits } from "./protocol/frame-parser.js";
