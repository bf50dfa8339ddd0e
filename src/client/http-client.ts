import type { HttpClientEngine, HttpClientEngineFactory } from "../engine/engine.js";
import { CIO } from "../engine/cio/cio-engine.js";
import { HttpClientConfig } from "./http-client-config.js";
import type { HttpClientPlugin } from "./plugin.js";
import type { WebSocketTarget } from "./target.js";
import { PluginNotInstalledError } from "../errors.js";
import type { DefaultWebSocketSession } from "../session/default-session.js";
import type { WebSocketSession } from "../session/websocket-session.js";
import { openWebSocketSession, runWebSocket } from "../plugins/websockets/builders.js";

/**
 * A client made of an engine and plugins, as Ktor's `HttpClient`:
 * `new HttpClient(CIO, (config) => config.install(WebSockets, (ws) => { ws.pingInterval = "20s" }))`.
 */
export class HttpClient<EngineConfig = unknown> {
  /** The engine that moves the bytes. */
  readonly engine: HttpClientEngine;
  private readonly plugins = new Map<string, unknown>();
  private closed = false;

  constructor(configure?: (config: HttpClientConfig<EngineConfig>) => void);
  constructor(
    engine: HttpClientEngineFactory<EngineConfig> | HttpClientEngine,
    configure?: (config: HttpClientConfig<EngineConfig>) => void,
  );
  constructor(
    engineOrConfigure?: HttpClientEngineFactory<EngineConfig> | HttpClientEngine | ((config: HttpClientConfig<EngineConfig>) => void),
    configure?: (config: HttpClientConfig<EngineConfig>) => void,
  ) {
    const engineArg = typeof engineOrConfigure === "function" ? undefined : engineOrConfigure;
    const block = typeof engineOrConfigure === "function" ? engineOrConfigure : configure;
    const config = new HttpClientConfig<EngineConfig>();
    block?.(config);
    this.engine = createEngine(engineArg ?? (CIO as unknown as HttpClientEngineFactory<EngineConfig>), config);
    for (const { plugin, blocks } of config.installs.values()) {
      const pluginConfig = plugin.createConfig();
      for (const run of blocks) run(pluginConfig);
      this.plugins.set(plugin.key, plugin.prepare(pluginConfig, this as HttpClient));
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
   * Opens a session, runs `block` with it, then closes it (1000) and resolves with the block's value
   * once the close handshake is done. If the block throws, the session closes with 1011 and this
   * rejects with the block's error.
   */
  webSocket<R>(target: WebSocketTarget, block: (session: DefaultWebSocketSession) => R | Promise<R>): Promise<R> {
    return runWebSocket(this as HttpClient, target, block, { raw: false });
  }

  /** Same as `webSocket`. */
  ws<R>(target: WebSocketTarget, block: (session: DefaultWebSocketSession) => R | Promise<R>): Promise<R> {
    return runWebSocket(this as HttpClient, target, block, { raw: false });
  }

  /** `webSocket` over TLS, whatever the target's scheme says. */
  wss<R>(target: WebSocketTarget, block: (session: DefaultWebSocketSession) => R | Promise<R>): Promise<R> {
    return runWebSocket(this as HttpClient, target, block, { raw: false, secure: true });
  }

  /** `webSocket` with a raw session: every frame reaches `incoming`, nothing is automatic. */
  webSocketRaw<R>(target: WebSocketTarget, block: (session: WebSocketSession) => R | Promise<R>): Promise<R> {
    return runWebSocket(this as HttpClient, target, block, { raw: true });
  }

  /** Opens a session for use outside a block; close it with `session.close()` (or `await using`). */
  webSocketSession(target: WebSocketTarget): Promise<DefaultWebSocketSession> {
    return openWebSocketSession(this as HttpClient, target, { raw: false }) as Promise<DefaultWebSocketSession>;
  }

  /** Opens a raw session for use outside a block. */
  webSocketRawSession(target: WebSocketTarget): Promise<WebSocketSession> {
    return openWebSocketSession(this as HttpClient, target, { raw: true });
  }
}

function createEngine<EngineConfig>(
  engine: HttpClientEngineFactory<EngineConfig> | HttpClientEngine,
  config: HttpClientConfig<EngineConfig>,
): HttpClientEngine {
  if ("create" in engine && typeof engine.create === "function") {
    return engine.create((engineConfig) => {
      for (const block of config.engineBlocks) block(engineConfig);
    });
  }
  if (config.engineBlocks.length > 0) {
    throw new TypeError("config.engine() configures an engine factory such as CIO; this client was given an engine instance");
  }
  return engine as HttpClientEngine;
}
