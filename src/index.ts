// The public API of kite-ws. Optional parts live on subpaths.
export { HttpClient } from "./client/http-client.js";
export { HttpClientConfig } from "./client/http-client-config.js";
export type { HttpClientPlugin } from "./client/plugin.js";
export { HttpMethod } from "./client/http-method.js";
export type { WebSocketTarget, WebSocketRequestOptions } from "./client/target.js";

export { CIO, CioEngine } from "./engine/cio/cio-engine.js";
export { CioEngineConfig, type CioTlsConfig } from "./engine/cio/cio-config.js";
export type {
  EngineCapability,
  EngineConnection,
  HttpClientEngine,
  HttpClientEngineFactory,
  WebSocketRequest,
} from "./engine/engine.js";

export { WebSockets, type WebSocketsPlugin } from "./plugins/websockets/websockets.js";
export { WebSocketsConfig, WebSocketChannelsConfig } from "./plugins/websockets/websockets-config.js";

export { WebSocketSession } from "./session/websocket-session.js";
export { DefaultWebSocketSession } from "./session/default-session.js";
export type { ChannelConfig, OverflowPolicy, ReceiveChannel, SendChannel } from "./session/channel.js";
export type { NegotiatedExtension } from "./extensions/extension.js";

export { Frame } from "./protocol/frame.js";
export { FrameType } from "./protocol/frame-type.js";
export { CloseReason } from "./protocol/close-reason.js";

export type { WebSocketContentConverter } from "./serialization/converter.js";
export { JsonConverter } from "./serialization/json-converter.js";
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
  ConnectTimeoutError,
  ChannelOverflowError,
  EngineCapabilityError,
  PluginNotInstalledError,
  ConverterNotFoundError,
  DeserializationError,
  type HandshakeResponse,
} from "./errors.js";

import type { DefaultWebSocketSession } from "./session/default-session.js";
import type { WebSocketSession } from "./session/websocket-session.js";
/** Ktor's name for the session a client's `webSocket` block gets. */
export type DefaultClientWebSocketSession = DefaultWebSocketSession;
/** Ktor's name for a client's raw session. */
export type ClientWebSocketSession = WebSocketSession;
