import type { HttpClientPlugin } from "../../client/plugin.js";
import { ReconnectConfig, type ReconnectSettings } from "./reconnect-config.js";

/**
 * The Reconnect plugin: `config.install(Reconnect, (r) => { r.minDelay = "500ms"; r.maxDelay = "30s" })`.
 * With WebSockets installed too, it gives the client `reconnectingSession(target, options?)` and
 * `reconnectingWebSocket(target, block)` (from `kite-ws/reconnect`): one `incoming` and one `outgoing`
 * that outlive connections. Settings are checked when the client is built; the client keeps them,
 * settled, as the plugin's instance.
 */
export const Reconnect: HttpClientPlugin<ReconnectConfig, ReconnectSettings> = {
  key: "Reconnect",
  createConfig: () => new ReconnectConfig(),
  install: (config: ReconnectConfig): ReconnectSettings => config.settle(),
};
