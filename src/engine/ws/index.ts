/**
 * kite-ws/engines/ws: the engine over the `ws` package (an optional peer dependency).
 *
 * @module kite-ws/engines/ws
 */
export { WsEngine, WsClientEngine } from "./ws-engine.js";
export { WsEngineConfig, type WsClientOptions, type WsEngineOptions, type WsWebSocketFactory } from "./ws-config.js";
