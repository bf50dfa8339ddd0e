import type { HttpClientPlugin } from "../../client/plugin.js";
import { ReconnectConfig, type ReconnectSettings } from "./reconnect-config.js";

/** The Reconnect plugin as installed in a client: its settled configuration. */
export type ReconnectPlugin = ReconnectSettings;

/**
 * The Reconnect plugin: `config.install(Reconnect, (r) => { r.minDelay = "500ms"; r.maxDelay = "30s" })`.
 * With WebSockets installed too, it gives the client `reconnectingSession(target, options?)` and
 * `reconnectingWebSocket(target, block)`: one `incoming` and one `outgoing` that outlive connections.
 * Settings are checked when the client is built.
 */
export const Reconnect: HttpClientPlugin<ReconnectConfig, ReconnectPlugin> = {
  key: "Reconnect",
  createConfig: () => new ReconnectConfig(),
  prepare: (config: ReconnectConfig): ReconnectPlugin => config.settle(),
};
