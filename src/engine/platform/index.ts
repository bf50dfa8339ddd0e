/**
 * kite-ws/engines/platform: the engine over the runtime's own WebSocket (also exported by the root).
 *
 * @module kite-ws/engines/platform
 */
export { Platform, PlatformEngine } from "./platform-engine.js";
export { PlatformEngineConfig, type WebSocketConstructorLike } from "./platform-config.js";
