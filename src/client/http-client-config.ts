import type { HttpClientPlugin } from "./plugin.js";
import { describeValue, typeError } from "../util/describe-value.js";
import { isThenable } from "../util/thenable.js";

/** Plugins in install order, each with its configuration blocks (a second install adds a block). */
export type PluginInstalls = Map<string, { plugin: HttpClientPlugin<unknown, unknown>; blocks: ((config: unknown) => void)[] }>;

/** The block of `new HttpClient(engine, (config) => { ... })`, as Ktor's `HttpClientConfig`. */
export class HttpClientConfig<EngineConfig = unknown> {
  /** @internal */
  readonly installs: PluginInstalls = new Map();
  /** @internal */
  readonly engineBlocks: ((config: EngineConfig) => void)[] = [];
  #built = false;

  /**
   * Installs a plugin. Installing the same plugin again runs both blocks, in order, on one
   * configuration (as Ktor does), so settings merge and the later one wins. The block must be
   * synchronous: it runs while the client is built.
   */
  install<Config, Instance>(plugin: HttpClientPlugin<Config, Instance>, configure?: (config: Config) => void): void {
    this.checkNotBuilt("install");
    if (plugin === null || typeof plugin !== "object" || typeof plugin.key !== "string" || typeof plugin.install !== "function") {
      throw new TypeError(`install() takes a plugin such as WebSockets; got ${describeValue(plugin)}`);
    }
    if (configure !== undefined && typeof configure !== "function") {
      throw typeError(`install(${plugin.key}, configure): configure`, "a function (config) => { ... }", configure);
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

  /** Configures the engine, as Ktor's `engine { ... }` block; the block must be synchronous. */
  engine(configure: (config: EngineConfig) => void): void {
    this.checkNotBuilt("engine");
    if (typeof configure !== "function") throw typeError("config.engine(configure): configure", "a function (engineConfig) => { ... }", configure);
    this.engineBlocks.push(configure);
  }

  /** @internal Called once the client has read this configuration: later calls could change nothing. */
  markBuilt(): void {
    this.#built = true;
  }

  private checkNotBuilt(method: string): void {
    if (this.#built) {
      throw new Error(
        `config.${method}() was called after the HttpClient was built, so it can change nothing: the configure block ` +
          "must be synchronous (not async), and what it does after an await is not seen",
      );
    }
  }
}

/**
 * @internal Runs a configure block and refuses one that returned a promise (an async block): what
 * it does after its first await would happen after the client was built, and be lost.
 */
export function runConfigureBlock<T>(block: (config: T) => void, config: T, what: string): void {
  const result: unknown = (block as (config: T) => unknown)(config);
  if (!isThenable(result)) return;
  // Its rejection (a config call after the build throws) is explained here, not left unhandled.
  try {
    result.then(undefined, () => {});
  } catch {
    // A thenable whose then() throws has nothing more to report.
  }
  throw new TypeError(
    `${what} must be synchronous: it returned a promise (an async function?), and plugins installed or settings made ` +
      "after an await would not be seen. Do the asynchronous work before building the client",
  );
}
