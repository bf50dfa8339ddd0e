import type { NegotiatedExtension } from "../extensions/extension.js";
import { encodeUtf8 } from "../protocol/utf8.js";
import type { WebSocketRequest } from "./engine.js";

/**
 * @internal Parses a `Sec-WebSocket-Extensions` value as a runtime reports it
 * ("permessage-deflate; client_max_window_bits=15, x-foo") into extensions and their parameters.
 */
export function parseExtensionsHeader(value: string | null | undefined): NegotiatedExtension[] {
  if (!value) return [];
  const extensions: NegotiatedExtension[] = [];
  for (const item of value.split(",")) {
    const [name, ...params] = item.split(";").map((part) => part.trim());
    if (!name) continue;
    const parameters: Record<string, string | true> = {};
    for (const param of params) {
      if (param === "") continue;
      const eq = param.indexOf("=");
      if (eq < 0) parameters[param] = true;
      else parameters[param.slice(0, eq).trim()] = param.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
    }
    extensions.push(Object.freeze({ name, parameters: Object.freeze(parameters) }));
  }
  return extensions;
}

/** @internal `Basic` credentials from a URL's user and password (percent-decoded, UTF-8), without `node:` modules. */
export function basicAuthorization(url: URL): string {
  const bytes = encodeUtf8(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

/** @internal The URL without its user and password. */
export function withoutCredentials(url: URL): URL {
  const copy = new URL(url.href);
  copy.username = "";
  copy.password = "";
  return copy;
}

/** @internal Whether the request carries extensions to offer (installed with `ws.extensions(...)`). */
export function offersExtensions(request: WebSocketRequest): boolean {
  const extensions = (request as { readonly extensions?: readonly unknown[] }).extensions;
  return extensions !== undefined && extensions.length > 0;
}
