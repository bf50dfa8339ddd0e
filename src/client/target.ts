import type { WebSocketRequest } from "../engine/engine.js";
import { HandshakeRequest } from "../engine/handshake-request.js";
import { normalizeHeaderFields, type HeaderFields } from "../http/header-fields.js";
import type { ClientExtension, ExtensionOffering } from "../extensions/extension.js";
import { isValidSubprotocol } from "../protocol/subprotocol.js";
import type { HttpMethod } from "./http-method.js";

/** Where to connect, by parts; anything not given comes from `url`, then from `ws://localhost/`. */
export interface WebSocketRequestOptions {
  /** Must be GET (RFC 6455 §4.1); present for Ktor's shape. */
  method?: HttpMethod;
  /** Host name or IP address to connect to; replaces the host of `url`. */
  host?: string;
  /** TCP port, 1–65535; replaces the port of `url` (default: 80 for `ws:`, 443 for `wss:`). */
  port?: number;
  /** Path, with a query if any: "/echo?room=1". */
  path?: string;
  /** A base URL (`ws:`, `wss:`, `http:`, `https:`) that the parts above override. */
  url?: string | URL;
  /** Extra request headers. */
  headers?: Headers | Record<string, string> | ReadonlyArray<readonly [string, string]>;
  /** Subprotocols to offer, in order of preference. */
  protocols?: string | readonly string[];
  /** Aborts the connect, and the session once open. */
  signal?: AbortSignal;
}

/** A target for the builders: a URL string, a `URL`, or request options. */
export type WebSocketTarget = string | URL | WebSocketRequestOptions;

/** Request headers that the handshake itself owns. */
const RESERVED_HEADERS = [
  "upgrade",
  "connection",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-accept",
  // Offered through `protocols` and the extensions configuration, so the answer can be checked.
  "sec-websocket-protocol",
  "sec-websocket-extensions",
];

/** The WebSocket scheme for each scheme a target may have. */
const SCHEMES: ReadonlyMap<string, string> = new Map([
  ["ws:", "ws:"],
  ["http:", "ws:"],
  ["wss:", "wss:"],
  ["https:", "wss:"],
]);

/** Resolves a builder's target into a handshake request, failing with a `TypeError` on anything malformed. */
export function resolveTarget(
  target: WebSocketTarget,
  options: { secure?: boolean; maxFrameSize: number; extensions?: readonly ClientExtension[] },
): WebSocketRequest & ExtensionOffering {
  const parts: WebSocketRequestOptions = typeof target === "string" || target instanceof URL ? { url: target } : target;
  if (parts === null || typeof parts !== "object") throw new TypeError("A WebSocket target is a URL string, a URL or an options object");
  let url: URL;
  try {
    url = new URL(parts.url ?? "ws://localhost/");
  } catch {
    throw new TypeError(`Invalid WebSocket URL: ${withoutCredentials(String(parts.url))}`);
  }
  const scheme = SCHEMES.get(url.protocol);
  if (scheme === undefined) throw new TypeError(`A WebSocket URL's scheme is ws, wss, http or https, not ${url.protocol.slice(0, -1)}`);
  const wanted = options.secure ? "wss:" : scheme;
  // Parsed again only to change the scheme: `url` is already a copy of the caller's.
  if (url.protocol !== wanted) url = new URL(url.href.replace(/^[a-z]+:/i, wanted));
  if (parts.host !== undefined) url.hostname = parts.host;
  if (parts.port !== undefined) {
    if (!Number.isInteger(parts.port) || parts.port < 1 || parts.port > 65535) throw new TypeError(`Invalid port ${parts.port}`);
    url.port = String(parts.port);
  }
  if (parts.path !== undefined) {
    // Taken as a path: a leading "//" must not be read as an authority ("//a/b" stays "//a/b").
    if (String(parts.path).includes("#")) throw new TypeError("A WebSocket path cannot have a fragment");
    const path = new URL(parts.path.startsWith("/") ? `ws://x${parts.path}` : parts.path, "ws://x/");
    url.pathname = path.pathname;
    url.search = path.search;
  }
  // `hash` is "" for an empty fragment too ("ws://h/#"), so look at the serialized URL as well.
  if (url.hash !== "" || url.href.endsWith("#")) throw new TypeError("A WebSocket URL cannot have a fragment");
  const method = (parts.method ?? "GET").toUpperCase();
  if (method !== "GET") throw new TypeError(`A WebSocket handshake is a GET request, not ${method}`);

  const protocols = parts.protocols === undefined ? [] : typeof parts.protocols === "string" ? [parts.protocols] : [...parts.protocols];
  for (const protocol of protocols) {
    if (!isValidSubprotocol(protocol)) throw new TypeError(`Invalid subprotocol ${JSON.stringify(protocol)}`);
  }
  if (protocols.length > 1 && new Set(protocols).size !== protocols.length) throw new TypeError("Subprotocols must not repeat");

  const headers = parts.headers === undefined ? [] : normalizeHeaderFields(parts.headers);
  checkHeaders(headers);
  return new HandshakeRequest(
    { url, method, protocols, signal: parts.signal, maxFrameSize: options.maxFrameSize, extensions: options.extensions ?? [] },
    headers,
  );
}

/** Refuses the headers the handshake sets itself. */
function checkHeaders(headers: HeaderFields): void {
  for (const [name] of headers) {
    if (RESERVED_HEADERS.includes(name)) {
      throw new TypeError(
        `The ${name} header is set by the handshake itself (use the protocols option for subprotocols, ws.extensions(...) for extensions)`,
      );
    }
  }
}

/** A URL's text for an error message, with its `user:password@` part masked: credentials are never repeated. */
function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:[/\\]*)[^/\\?#]*@/i, "$1***@");
}
