import type { HttpClientPlugin } from "./plugin.js";

/** Plugins in install order, each with its configuration blocks (a second install adds a block). */
export type PluginInstalls = Map<string, { plugin: HttpClientPlugin<unknown, unknown>; blocks: ((config: unknown) => void)[] }>;

/** The block of `new HttpClient(engine, (config) => { ... })`, as Ktor's `HttpClientConfig`. */
export class HttpClientConfig<EngineConfig = unknown> {
  /** @internal */
  readonly installs: PluginInstalls = new Map();
  /** @internal */
  readonly engineBlocks: ((config: EngineConfig) => void)[] = [];

  /**
   * Installs a plugin. Installing the same plugin again runs both blocks, in order, on one
   * configuration (as Ktor does), so settings merge and the later one wins.
   */
  install<Config, Instance>(plugin: HttpClientPlugin<Config, Instance>, configure?: (config: Config) => void): void {
    if (plugin === null || typeof plugin !== "object" || typeof plugin.key !== "string" || typeof plugin.prepare !== "function") {
      throw new TypeError("install() takes a plugin such as WebSockets");
    }
    let entry = this.installs.get(plugin.key);
    if (entry === undefined) {
      entry = { plugin: plugin as HttpClientPlugin<unknown, unknown>, blocks: [] };
      this.installs.set(plugin.key, entry);
    } else if (entry.plugin !== (plugin as HttpClientPlugin<unknown, unknown>)) {
      throw new Error(`Two different plugins share the key "${plugin.key}"`);
    }
    if (configure) entry.blocks.push(configure as (config: unknown) => void);
  }

  /** Configures the engine, as Ktor's `engine { ... }` block. */
  engine(configure: (config: EngineConfig) => void): void {
    this.engineBlocks.push(configure);
  }
}
