import type { NegotiatedExtension } from "../extensions/extension.js";
import { parameterRecord, parseExtensionHeader, type ExtensionElement } from "../extensions/extension-header.js";
import { encodeUtf8 } from "../protocol/utf8.js";
import type { WebSocketRequest } from "./engine.js";

/**
 * @internal The extensions a runtime reports as agreed (its `extensions` string, the server's
 * `Sec-WebSocket-Extensions` value, e.g. "permessage-deflate; client_max_window_bits=15"). The runtime
 * has already checked that value, so one that does not parse reports no extensions rather than failing
 * a connection the runtime accepted.
 */
export function parseExtensionsHeader(value: string | null | undefined): NegotiatedExtension[] {
  if (!value) return [];
  let elements: ExtensionElement[];
  try {
    elements = parseExtensionHeader(value);
  } catch {
    return [];
  }
  return elements.map(({ name, parameters }) => Object.freeze({ name, parameters: parameterRecord(parameters) }));
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
