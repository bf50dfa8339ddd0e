import type { HttpClientPlugin, PluginInstallScope } from "../../client/plugin.js";
import type { ChannelConfig } from "../../session/channel.js";
import { checkChannel } from "../../session/session-settings.js";
import type { WebSocketContentConverter } from "../../serialization/converter.js";
import type { ClientExtension } from "../../extensions/extension.js";
import { capabilityError, type EngineCapability } from "../../engine/engine.js";
import { WebSocketsConfig } from "./websockets-config.js";

/** The WebSockets plugin as installed in a client: its settled configuration. */
export interface WebSocketsPlugin {
  /** Milliseconds between the pings each session sends, or null for none. */
  readonly pingIntervalMillis: number | null;
  /** Each session's pong and close handshake deadline, in milliseconds. */
  readonly timeoutMillis: number;
  /** Largest frame a session accepts or sends, in bytes. */
  readonly maxFrameSize: number;
  /** Largest reassembled message a default session accepts, in bytes. */
  readonly maxMessageSize: number;
  /** The converter sessions get for `sendSerialized` / `receiveDeserialized`, or null. */
  readonly contentConverter: WebSocketContentConverter | null;
  /** Bounds of each session's channels, checked. */
  readonly channels: {
    /** Bound of `incoming` (received frames not yet taken). */
    readonly incoming: ChannelConfig;
    /** Bound of `outgoing` (frames queued to send). */
    readonly outgoing: ChannelConfig;
  };
  /** Installed extensions (client side), offered in this order. */
  readonly extensions: readonly ClientExtension[];
}

/**
 * The WebSockets plugin: `config.install(WebSockets, (ws) => { ws.pingInterval = "20s" })`.
 * Checks the engine's capabilities when the client is built; its builders (`client.webSocket(...)`,
 * `client.webSocketSession(...)`, ...) come with `kite-ws`.
 */
export const WebSockets: HttpClientPlugin<WebSocketsConfig, WebSocketsPlugin> = {
  key: "WebSockets",
  createConfig: () => new WebSocketsConfig(),
  install(config: WebSocketsConfig, { engine }: PluginInstallScope): WebSocketsPlugin {
    const missing = (capability: EngineCapability): boolean => !engine.capabilities.has(capability);
    if (missing("websockets")) throw capabilityError(engine, "websockets");
    if (config.pingIntervalMillis !== null && missing("pingFrames")) {
      throw capabilityError(engine, "pingFrames", undefined, "the engine cannot send pings, so pingInterval cannot be honoured");
    }
    if (config.frameSizeSet && missing("frameSizeLimit")) {
      throw capabilityError(engine, "frameSizeLimit", undefined, "the engine cannot limit the size of each frame");
    }
    if (!config.extensionsConfig.isEmpty && missing("extensions")) throw capabilityError(engine, "extensions");
    return Object.freeze({
      pingIntervalMillis: config.pingIntervalMillis,
      timeoutMillis: config.timeoutMillis,
      maxFrameSize: config.maxFrameSize,
      maxMessageSize: config.maxMessageSize,
      contentConverter: config.contentConverter,
      channels: Object.freeze({
        incoming: checkChannel(config.channels.incoming, "channels.incoming"),
        outgoing: checkChannel(config.channels.outgoing, "channels.outgoing"),
      }),
      extensions: config.extensionsConfig.buildClient(),
    });
  },
};
