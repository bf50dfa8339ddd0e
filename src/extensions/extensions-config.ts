import type { ClientExtension, ServerExtension, WebSocketExtensionFactory } from "./extension.js";
import { typeError } from "../util/describe-value.js";

interface Installed {
  readonly factory: WebSocketExtensionFactory<unknown>;
  readonly blocks: ((config: unknown) => void)[];
}

/**
 * The extensions to negotiate, as Ktor's `extensions { install(WebSocketDeflateExtension) { ... } }`:
 * given to `ws.extensions((e) => ...)` on a client and to the server's `extensions` option.
 *
 * ```ts
 * ws.extensions((e) => e.install(WebSocketDeflateExtension, (d) => { d.compressIfBiggerThan(1024); }));
 * ```
 */
export class WebSocketExtensionsConfig {
  private readonly installed = new Map<string, Installed>();

  /**
   * Installs an extension. Installing the same extension again runs both blocks, in order, on one
   * configuration, so settings merge and the later one wins. Extensions are offered (by a client) and
   * chosen (by a server) in install order.
   * @throws TypeError for something that is not an extension factory, or two factories with one name.
   */
  install<Config>(factory: WebSocketExtensionFactory<Config>, configure?: (config: Config) => void): void {
    if (
      factory === null ||
      typeof factory !== "object" ||
      typeof factory.name !== "string" ||
      typeof factory.createConfig !== "function" ||
      typeof factory.client !== "function" ||
      typeof factory.server !== "function"
    ) {
      throw typeError("install(extension): extension", "an extension factory such as WebSocketDeflateExtension", factory);
    }
    if (configure !== undefined && typeof configure !== "function") throw typeError(`install(${factory.name}, configure): configure`, "a function", configure);
    let entry = this.installed.get(factory.name);
    if (entry === undefined) {
      entry = { factory: factory as WebSocketExtensionFactory<unknown>, blocks: [] };
      this.installed.set(factory.name, entry);
    } else if (entry.factory !== (factory as WebSocketExtensionFactory<unknown>)) {
      throw new TypeError(`Two different extensions share the name "${factory.name}"`);
    }
    if (configure) entry.blocks.push(configure as (config: unknown) => void);
  }

  /** Whether any extension is installed. */
  get isEmpty(): boolean {
    return this.installed.size === 0;
  }

  /** @internal Each installed extension's client side, configured; throws for a bad setting. */
  buildClient(): readonly ClientExtension[] {
    return Object.freeze([...this.installed.values()].map(({ factory, blocks }) => factory.client(configured(factory, blocks))));
  }

  /** @internal Each installed extension's server side, configured; throws for a bad setting. */
  buildServer(): readonly ServerExtension[] {
    return Object.freeze([...this.installed.values()].map(({ factory, blocks }) => factory.server(configured(factory, blocks))));
  }
}

function configured(factory: WebSocketExtensionFactory<unknown>, blocks: readonly ((config: unknown) => void)[]): unknown {
  const config = factory.createConfig();
  for (const block of blocks) block(config);
  return config;
}
