import { HttpClient } from "./http-client.js";

/**
 * @internal Adds methods to every `HttpClient`, as Kotlin extension functions do: a plugin's builders
 * module calls it once when it is loaded, beside the `declare module` block that declares the methods
 * to TypeScript. The methods are not enumerable, as a class's own are; a name the client already has
 * is refused, so two plugins cannot silently take the same one.
 */
export function extendHttpClient(methods: Readonly<Record<string, (this: HttpClient, ...args: never[]) => unknown>>): void {
  const prototype = HttpClient.prototype as unknown as Record<string, unknown>;
  for (const [name, method] of Object.entries(methods)) {
    if (name in prototype) throw new Error(`HttpClient already has a member named ${name}: a plugin's builder cannot replace it`);
    Object.defineProperty(prototype, name, { value: method, writable: true, configurable: true, enumerable: false });
  }
}
