import type { HttpClientEngine, HttpClientEngineFactory } from "../engine/engine.js";
import { defaultEngine } from "../engine/default-engine.js";
import { HttpClientConfig, runConfigureBlock } from "./http-client-config.js";
import { describeValue, typeError } from "../util/describe-value.js";
import type { HttpClientPlugin } from "./plugin.js";
import type { WebSocketTarget } from "./target.js";
import { PluginNotInstalledError } from "../errors.js";
import type { DefaultWebSocketSession } from "../session/default-session.js";
import type { WebSocketSession } from "../session/websocket-session.js";
import { openWebSocketSession, runWebSocket } from "../plugins/websockets/builders.js";
import { openReconnectingSession, runReconnectingWebSocket } from "../plugins/reconnect/builders.js";
import type { ReconnectingWebSocketSession, ReconnectOptions, ReconnectTarget } from "../plugins/reconnect/reconnecting-session.js";

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
        for (const { plugin, blocks } of config.installs.values()) {
          const pluginConfig = plugin.createConfig();
          for (const run of blocks) runConfigureBlock(run, pluginConfig, `The configure block of install(${plugin.key}, ...)`);
          this.plugins.set(plugin.key, plugin.prepare(pluginConfig, this as HttpClient));
        }
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
   * Opens a session, runs `block` with it, then closes it (1000) and resolves with the block's value
   * once the close handshake is done. If the block throws, the session closes with 1011 and this
   * rejects with the block's error.
   */
  webSocket<R>(target: WebSocketTarget, block: (session: DefaultWebSocketSession) => R | Promise<R>): Promise<R> {
    return this.run("webSocket", target, block, { raw: false });
  }

  /** Same as `webSocket`. */
  ws<R>(target: WebSocketTarget, block: (session: DefaultWebSocketSession) => R | Promise<R>): Promise<R> {
    return this.run("ws", target, block, { raw: false });
  }

  /** `webSocket` over TLS, whatever the target's scheme says. */
  wss<R>(target: WebSocketTarget, block: (session: DefaultWebSocketSession) => R | Promise<R>): Promise<R> {
    return this.run("wss", target, block, { raw: false, secure: true });
  }

  /** `webSocket` with a raw session: every frame reaches `incoming`, nothing is automatic. */
  webSocketRaw<R>(target: WebSocketTarget, block: (session: WebSocketSession) => R | Promise<R>): Promise<R> {
    return this.run("webSocketRaw", target, block, { raw: true });
  }

  private run<S extends WebSocketSession, R>(
    builder: string,
    target: WebSocketTarget,
    block: (session: S) => R | Promise<R>,
    options: { raw: boolean; secure?: boolean },
  ): Promise<R> {
    if (typeof block !== "function") return Promise.reject(typeError(`${builder}(target, block): block`, "a function (session) => { ... }", block));
    return runWebSocket(this as HttpClient, target, block, options);
  }

  /** Opens a session for use outside a block; close it with `session.close()` (or `await using`). */
  webSocketSession(target: WebSocketTarget): Promise<DefaultWebSocketSession> {
    return openWebSocketSession(this as HttpClient, target, { raw: false }) as Promise<DefaultWebSocketSession>;
  }

  /** Opens a raw session for use outside a block. */
  webSocketRawSession(target: WebSocketTarget): Promise<WebSocketSession> {
    return openWebSocketSession(this as HttpClient, target, { raw: true });
  }

  /**
   * A session that reconnects (needs the WebSockets and Reconnect plugins, else
   * `PluginNotInstalledError`): one `incoming` and one `outgoing` across connections, backoff with
   * full jitter, a bounded replay queue, `onOpen` hooks and lifecycle events. It starts connecting at
   * once and is returned without waiting; `target` may be a function called before every attempt.
   * Close it with `close()` (or `await using`).
   */
  reconnectingSession(target: ReconnectTarget, options?: ReconnectOptions): ReconnectingWebSocketSession {
    return openReconnectingSession(this as HttpClient, target, options);
  }

  /**
   * Runs `block` with a reconnecting session, then closes it (1000) and resolves with the block's
   * value once it has ended; if the block throws, the session closes with 1011 and this rejects.
   */
  reconnectingWebSocket<R>(target: ReconnectTarget, block: (session: ReconnectingWebSocketSession) => R | Promise<R>): Promise<R>;
  reconnectingWebSocket<R>(
    target: ReconnectTarget,
    options: ReconnectOptions,
    block: (session: ReconnectingWebSocketSession) => R | Promise<R>,
  ): Promise<R>;
  reconnectingWebSocket<R>(
    target: ReconnectTarget,
    optionsOrBlock: ReconnectOptions | ((session: ReconnectingWebSocketSession) => R | Promise<R>),
    block?: (session: ReconnectingWebSocketSession) => R | Promise<R>,
  ): Promise<R> {
    try {
      return typeof optionsOrBlock === "function"
        ? runReconnectingWebSocket(this as HttpClient, target, {}, optionsOrBlock)
        : runReconnectingWebSocket(this as HttpClient, target, optionsOrBlock, block!);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

function createEngine<EngineConfig>(
  engine: HttpClientEngineFactory<EngineConfig> | HttpClientEngine,
  config: HttpClientConfig<EngineConfig>,
): HttpClientEngine {
  if ("create" in engine && typeof engine.create === "function") {
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

function isEngineFactory(value: unknown): value is HttpClientEngineFactory<never> {
  return value !== null && typeof value === "object" && typeof (value as { create?: unknown }).create === "function";
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
