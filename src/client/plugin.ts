import type { HttpClient } from "./http-client.js";

/**
 * A client plugin, as Ktor's `HttpClientPlugin`: installed with `config.install(plugin, (cfg) => ...)`,
 * configured by a mutable `Config`, then turned into the `Instance` the client keeps under `key`.
 */
export interface HttpClientPlugin<Config, Instance> {
  /** Unique per plugin: installing the same key twice merges the configuration blocks. */
  readonly key: string;
  /** A fresh configuration with defaults. */
  createConfig(): Config;
  /** Validates the finished configuration and builds the plugin; throws on invalid settings. */
  prepare(config: Config, client: HttpClient): Instance;
}
