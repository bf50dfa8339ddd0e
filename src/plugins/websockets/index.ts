/**
 * The WebSockets plugin, its settings and its builders. Importing this module adds the builders
 * (`client.webSocket(...)`, `client.webSocketSession(...)`, ...) to `HttpClient`; the package root
 * re-exports it.
 */
import "./builders.js";

export { WebSockets, type WebSocketsPlugin } from "./websockets.js";
export { WebSocketsConfig, WebSocketChannelsConfig } from "./websockets-config.js";
