import type { HttpClientEngineFactory } from "./engine.js";

/**
 * The engine `new HttpClient()` uses when it is given none. The package's entry point chooses it:
 * `kite-ws` on Node.js sets CIO, the browser build sets Platform. `HttpClient` does not import an
 * engine itself, so the browser build carries no `node:` module.
 */
let current: HttpClientEngineFactory<unknown> | null = null;

/**
 * @internal Sets the default engine unless one is set already: the first entry point loaded decides,
 * so loading the browser build next to the Node one in a test does not change Node's default.
 */
export function setDefaultEngine(factory: HttpClientEngineFactory<unknown>): void {
  current ??= factory;
}

/** @internal The default engine's factory; a clear error when no entry point has set one. */
export function defaultEngine(): HttpClientEngineFactory<unknown> {
  if (current === null) {
    throw new TypeError(
      "No default engine is set (the package was not loaded through its entry point): pass one, e.g. new HttpClient(CIO, ...) or new HttpClient(Platform, ...)",
    );
  }
  return current;
}
