import type { EngineConnection, HttpClientEngine, WebSocketRequest } from "../engine/engine.js";

/**
 * A client plugin, as Ktor's `HttpClientPlugin`: installed with `config.install(plugin, (cfg) => ...)`,
 * configured by a mutable `Config`, then installed into the client, which keeps the `Instance` it
 * returns under `key`. A plugin adds behaviour through the hooks of its {@link PluginInstallScope};
 * the calls it gives the client (`client.webSocket(...)`) live beside it, as Ktor's `builders.kt` do.
 */
export interface HttpClientPlugin<Config, Instance> {
  /** Unique per plugin: installing the same key twice merges the configuration blocks. */
  readonly key: string;
  /** A fresh configuration with defaults. */
  createConfig(): Config;
  /**
   * Checks the finished configuration (throwing on invalid settings), registers the plugin's hooks on
   * `scope`, and returns what the client keeps for it (`client.plugin(thePlugin)`). Runs once, while
   * the client is built, in install order.
   */
  install(config: Config, scope: PluginInstallScope): Instance;
}

/**
 * A hook around every connection the client opens, as a Ktor pipeline interceptor: it may look at the
 * request, call `proceed` (with the request or a changed one) to go on through the hooks after it and
 * the engine, or not call it and fail; and it may change or wrap the connection it gets back (the
 * Logging plugin wraps the transport). Hooks run in install order, the first one outermost.
 */
export type ConnectHook = (
  request: WebSocketRequest,
  proceed: (request: WebSocketRequest) => Promise<EngineConnection>,
) => Promise<EngineConnection>;

/** @internal The rest of the chain, as a hook's `proceed` sees it. */
export type ConnectProceed = Parameters<ConnectHook>[1];

/** What a plugin's `install` may use while the client is built. */
export interface PluginInstallScope {
  /** The client's engine, e.g. to check its capabilities. */
  readonly engine: HttpClientEngine;
  /** The instance of a plugin installed before this one, or null. */
  pluginOrNull<Instance>(plugin: HttpClientPlugin<unknown, Instance>): Instance | null;
  /** Adds a hook around every connection the client opens; only during `install`. */
  onConnect(hook: ConnectHook): void;
}
