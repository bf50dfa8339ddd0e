import type { EngineConnection, HttpClientEngine, HttpClientEngineFactory, WebSocketRequest } from "../engine/engine.js";
import { defaultEngine } from "../engine/default-engine.js";
import { HttpClientConfig, runConfigureBlock, type PluginInstalls } from "./http-client-config.js";
import { describeValue, typeError } from "../util/describe-value.js";
import type { ConnectHook, ConnectProceed, HttpClientPlugin, PluginInstallScope } from "./plugin.js";
import { connectChain } from "./connect-chain.js";
import { PluginNotInstalledError, WebSocketError } from "../errors.js";

/**
 * A client made of an engine and plugins, as Ktor's `HttpClient`:
 * `new HttpClient(CIO, (config) => config.install(WebSockets, (ws) => { ws.pingInterval = "20s" }))`.
 *
 * Its calls come with its plugins, as Ktor's extension functions: `webSocket`, `webSocketSession` and
 * the other builders of the WebSockets plugin (with `kite-ws`), `reconnectingSession` and
 * `reconnectingWebSocket` of the Reconnect plugin (with `kite-ws/reconnect`). A builder whose plugin
 * is not installed fails with `PluginNotInstalledError`.
 */
export class HttpClient<EngineConfig = unknown> {
  /** The engine that moves the bytes. */
  readonly engine: HttpClientEngine;
  private readonly plugins = new Map<string, unknown>();
  private closed = false;
  readonly #connect: ConnectProceed;

  constructor(configure?: (config: HttpClientConfig<EngineConfig>) => void);
  constructor(
    engine: HttpClientEngineFactory<EngineConfig> | HttpClientEngine,
    configure?: (config: HttpClientConfig<EngineConfig>) => void,
  );
  constructor(
    engineOrConfigure?: HttpClientEngineFactory<EngineConfig> | HttpClientEngine | ((config: HttpClientConfig<EngineConfig>) => void),
    configure?: (config: HttpClientConfig<EngineConfig>) => void,
  ) {
    const firstIsBlock = typeof engineOrConfigure === "function" && !isClass(engineOrConfigure);
    const engineArg = firstIsBlock ? undefined : checkEngineArgument<EngineConfig>(engineOrConfigure);
    if (firstIsBlock && configure !== undefined) {
      throw typeError("HttpClient's second argument", "left out when the first is the configure function", configure);
    }
    if (configure !== undefined && typeof configure !== "function") {
      throw typeError("HttpClient's configure block", "a function (config) => { ... }", configure);
    }
    const block = firstIsBlock ? (engineOrConfigure as (config: HttpClientConfig<EngineConfig>) => void) : configure;
    const config = new HttpClientConfig<EngineConfig>();
    try {
      if (block !== undefined) runConfigureBlock<HttpClientConfig<EngineConfig>>(block, config, "HttpClient's configure block");
      this.engine = createEngine(engineArg ?? (defaultEngine() as HttpClientEngineFactory<EngineConfig>), config);
      try {
        this.#connect = installPlugins(config.installs, this, this.plugins);
      } catch (error) {
        this.engine.close();
        throw error;
      }
    } finally {
      // A block kept past this point (an async one, resumed after an await) can change nothing.
      config.markBuilt();
    }
  }

  /** The installed plugin's instance; throws `PluginNotInstalledError` when it is not installed. */
  plugin<Instance>(plugin: HttpClientPlugin<unknown, Instance>): Instance {
    const instance = this.pluginOrNull(plugin);
    if (instance === null) {
      throw new PluginNotInstalledError(`The ${plugin.key} plugin is not installed: add config.install(${plugin.key}) to the client's configuration`);
    }
    return instance;
  }

  /** The installed plugin's instance, or null. */
  pluginOrNull<Instance>(plugin: HttpClientPlugin<unknown, Instance>): Instance | null {
    return (this.plugins.get(plugin.key) as Instance | undefined) ?? null;
  }

  /** True after `close()`. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Stops the client from opening sessions and releases the engine; open sessions carry on. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.engine.close();
  }

  /**
   * @internal Opens a connection for `request` through the installed plugins' connect hooks and the
   * engine: what the builders of the WebSockets plugin call, after `checkOpen()`.
   */
  connect(request: WebSocketRequest): Promise<EngineConnection> {
    return this.#connect(request);
  }

  /** @internal Throws a `WebSocketError` (`KITE_ERR_CLIENT_CLOSED`) once the client is closed: builders call it before anything else happens. */
  checkOpen(): void {
    if (this.closed) throw new WebSocketError("The HttpClient is closed", { code: "KITE_ERR_CLIENT_CLOSED" });
  }
}

/**
 * Runs each plugin's configure blocks and its install, in install order, keeping each instance in
 * `instances` (the client's); returns the connect chain made of the hooks they registered.
 */
function installPlugins(installs: PluginInstalls, client: HttpClient, instances: Map<string, unknown>): ConnectProceed {
  const engine = client.engine;
  const hooks: ConnectHook[] = [];
  let installing = true;
  const scope: PluginInstallScope = {
    engine,
    pluginOrNull: (plugin) => client.pluginOrNull(plugin),
    onConnect: (hook) => {
      if (!installing) throw new Error("onConnect() was called after the HttpClient was built: call it from the plugin's install");
      if (typeof hook !== "function") throw typeError("onConnect(hook): hook", "a function (request, proceed) => connection", hook);
      hooks.push(hook);
    },
  };
  for (const { plugin, blocks } of installs.values()) {
    const pluginConfig = plugin.createConfig();
    for (const run of blocks) runConfigureBlock(run, pluginConfig, `The configure block of install(${plugin.key}, ...)`);
    instances.set(plugin.key, plugin.install(pluginConfig, scope));
  }
  installing = false;
  return connectChain(engine, hooks);
}

function createEngine<EngineConfig>(
  engine: HttpClientEngineFactory<EngineConfig> | HttpClientEngine,
  config: HttpClientConfig<EngineConfig>,
): HttpClientEngine {
  if (isEngineFactory<EngineConfig>(engine)) {
    const created: unknown = engine.create((engineConfig) => {
      for (const block of config.engineBlocks) runConfigureBlock(block, engineConfig, `The configure block of config.engine(...) for ${engine.name}`);
    });
    if (!isEngine(created)) {
      throw new TypeError(`${String(engine.name)}.create() must return an engine (name, capabilities, connectWebSocket, close); got ${describeValue(created)}`);
    }
    return created;
  }
  if (config.engineBlocks.length > 0) {
    throw new TypeError("config.engine() configures an engine factory such as CIO; this client was given an engine instance");
  }
  return engine as HttpClientEngine;
}

const ENGINE_EXPECTED = "HttpClient takes an engine factory such as CIO, an engine, or a configure function";

/** The first argument when it is not the configure block: an engine factory, an engine, or left out. */
function checkEngineArgument<EngineConfig>(value: unknown): HttpClientEngineFactory<EngineConfig> | HttpClientEngine | undefined {
  if (value === undefined || isEngineFactory(value) || isEngine(value)) return value as HttpClientEngineFactory<EngineConfig> | HttpClientEngine | undefined;
  const hint = typeof value === "function" ? " (a class: pass its factory, e.g. CIO, or an instance)" : "";
  throw new TypeError(`${ENGINE_EXPECTED}; got ${describeValue(value)}${hint}`);
}

/** A factory such as CIO; not an engine that happens to have a `create` member (the ws engine has one). */
function isEngineFactory<EngineConfig = never>(value: unknown): value is HttpClientEngineFactory<EngineConfig> {
  return value !== null && typeof value === "object" && typeof (value as { create?: unknown }).create === "function" && !isEngine(value);
}

function isEngine(value: unknown): value is HttpClientEngine {
  if (value === null || typeof value !== "object") return false;
  const engine = value as Partial<Record<keyof HttpClientEngine, unknown>>;
  const capabilities = engine.capabilities as { has?: unknown } | null | undefined;
  return (
    typeof engine.name === "string" &&
    typeof engine.connectWebSocket === "function" &&
    typeof engine.close === "function" &&
    typeof capabilities === "object" &&
    capabilities !== null &&
    typeof capabilities.has === "function"
  );
}

/** A class, which cannot be called as a configure block. */
function isClass(fn: unknown): boolean {
  return typeof fn === "function" && /^class\b/.test(Function.prototype.toString.call(fn));
}
