import type { WebSocketRequest } from "../engine/engine.js";
import { HandshakeRequest } from "../engine/handshake-request.js";
import { normalizeHeaderFields, type HeaderFields, type HeaderFieldsInit } from "../http/header-fields.js";
import type { ClientExtension, ExtensionOffering } from "../extensions/extension.js";
import { isValidSubprotocol } from "../protocol/subprotocol.js";
import { describeValue, quote, typeError } from "../util/describe-value.js";
import { URL_LIKE, checkKeys, maskCredentials } from "../engine/config-checks.js";
import type { HttpMethod } from "./http-method.js";

/**
 * Where to connect, by parts; anything not given comes from `url`, then from `ws://localhost/`.
 * Every part is checked before anything connects: a wrong type, a malformed value or an unknown key
 * is a `TypeError` naming the part and quoting what it got.
 */
export interface WebSocketRequestOptions {
  /** Must be GET (RFC 6455 §4.1), in any case; present for Ktor's shape. Any other method is a `TypeError`. */
  method?: HttpMethod;
  /**
   * Host name or IP address to connect to; replaces the host of `url`. A name (Unicode names become
   * punycode), an IPv4 address, or an IPv6 address bare (`"::1"`) or in brackets (`"[::1]"`). No port
   * (that goes in `port`), scheme, path, credentials or whitespace.
   */
  host?: string;
  /**
   * TCP port, a whole number from 1 to 65535; replaces the port of `url` (default: 80 for `ws:`, 443
   * for `wss:`). A string such as `"8080"` is a `TypeError`, not converted.
   */
  port?: number;
  /**
   * Path, with a query if any: `"/echo?room=1"` (`"echo"` is taken as `"/echo"`). No fragment, no
   * whitespace or control characters, and not a full URL (pass that as `url`).
   */
  path?: string;
  /** A base URL (`ws:`, `wss:`, `http:`, `https:`) that the parts above override. */
  url?: string | URL;
  /** Extra request headers: a `Headers` object, a record of strings, or a list of `[name, value]` pairs. */
  headers?: Headers | Record<string, string> | ReadonlyArray<readonly [string, string]>;
  /** Subprotocols to offer, in order of preference: a string or an array of strings (HTTP tokens). */
  protocols?: string | readonly string[];
  /** Aborts the connect, and the session once open. */
  signal?: AbortSignal;
}

/** A target for the builders: a URL string, a `URL`, or request options. */
export type WebSocketTarget = string | URL | WebSocketRequestOptions;

/** Request headers that the handshake itself owns (lower case). */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  "upgrade",
  "connection",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-accept",
  // Offered through `protocols` and the extensions configuration, so the answer can be checked.
  "sec-websocket-protocol",
  "sec-websocket-extensions",
]);

/** The WebSocket scheme for each scheme a target may have. */
const SCHEMES: ReadonlyMap<string, string> = new Map([
  ["ws:", "ws:"],
  ["http:", "ws:"],
  ["wss:", "wss:"],
  ["https:", "wss:"],
]);

/** The keys of {@link WebSocketRequestOptions}, in the order messages list them. */
const OPTION_KEYS = ["method", "host", "port", "path", "url", "headers", "protocols", "signal"] as const;

const TIMEOUT_HINT =
  'a target has no timeout: set the engine\'s (config.engine((cio) => { cio.connectTimeout = "5s" })) or pass signal: AbortSignal.timeout(5000)';
const SCHEME_HINT = "the scheme comes from url (\"wss://...\"), or use client.wss(...)";

/** What an unknown key (in lower case) most likely meant, as "did you mean ...?" or a hint of its own. */
const KEY_HINTS: ReadonlyMap<string, string> = new Map([
  ["hostname", "did you mean host?"],
  ["server", "did you mean host?"],
  ["address", "did you mean host?"],
  ["pathname", "did you mean path?"],
  ["query", 'did you mean path? (it takes the query too: "/echo?room=1")'],
  ["search", 'did you mean path? (it takes the query too: "/echo?room=1")'],
  ["href", "did you mean url?"],
  ["uri", "did you mean url?"],
  ["protocol", `did you mean protocols (the subprotocols to offer)? ${SCHEME_HINT}`],
  ["subprotocol", "did you mean protocols?"],
  ["subprotocols", "did you mean protocols?"],
  ["header", "did you mean headers?"],
  ["abortsignal", "did you mean signal?"],
  ["timeout", TIMEOUT_HINT],
  ["connecttimeout", TIMEOUT_HINT],
  ["connecttimeoutmillis", TIMEOUT_HINT],
  ["secure", SCHEME_HINT],
  ["tls", SCHEME_HINT],
  ["ssl", SCHEME_HINT],
  ["scheme", SCHEME_HINT],
]);

/** Characters of a host name: letters (any script), marks, digits, `-`, `.` and `_`. */
const HOST_NAME = /^[\p{L}\p{M}\p{Nd}_.-]+$/u;
/** An IPv4 address as the URL parser writes it. */
const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;
/** What an IPv6 address may contain (hex groups, colons, an IPv4 tail). */
const IPV6_TEXT = /^[0-9a-f:.]+$/i;
/** A host followed by a port: "example.com:8080", "[::1]:8080". */
const HOST_AND_PORT = /^(?:\[[^\]]*\]|[^:[\]]*):(\d*)$/;
/** Whitespace, control characters, and the backslash (which a URL would read as "/"). */
const BAD_PATH_CHARS = /[\s\p{Cc}\\]/u;

/** @internal Resolves a builder's target into a handshake request, failing with a `TypeError` on anything malformed. */
export function resolveTarget(
  target: WebSocketTarget,
  options: { secure?: boolean; maxFrameSize: number; extensions?: readonly ClientExtension[] },
): WebSocketRequest & ExtensionOffering {
  const parts = targetParts(target);
  checkKeys(parts, "A WebSocket target", OPTION_KEYS, KEY_HINTS);
  // Each part is read once: a getter cannot hand the check one value and the request another.
  const { method: rawMethod, host, port, path, url: base, headers: rawHeaders, protocols: rawProtocols, signal } = parts;

  let url = parseUrl(base);
  const wanted = options.secure ? "wss:" : SCHEMES.get(url.protocol)!;
  // Parsed again only to change the scheme: `url` is already a copy of the caller's.
  if (url.protocol !== wanted) url = new URL(url.href.replace(/^[a-z]+:/i, wanted));
  if (host !== undefined) {
    const { text, expected } = checkHost(host);
    url.hostname = text;
    // The URL's hostname setter ignores what it cannot take: never connect to the old host instead.
    if (url.hostname !== expected) throw hostError(host, "");
  }
  if (port !== undefined) {
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw typeError("port", "a whole number from 1 to 65535", port);
    }
    url.port = String(port);
  }
  // A URL may say port 0, which no server listens on (and a socket would read as "any port").
  if (url.port === "0") throw typeError("url", "a URL whose port is from 1 to 65535", maskCredentials(url.href));
  if (path !== undefined) {
    checkPath(path);
    // Taken as a path: a leading "//" must not be read as an authority ("//a/b" stays "//a/b").
    const parsed = new URL(path.startsWith("/") ? `ws://x${path}` : path, "ws://x/");
    url.pathname = parsed.pathname;
    url.search = parsed.search;
  }
  // `hash` is "" for an empty fragment too ("ws://h/#"), so look at the serialized URL as well.
  if (url.hash !== "" || url.href.endsWith("#")) throw typeError("url", "a URL without a fragment (#...)", maskCredentials(url.href));

  const method = checkMethod(rawMethod);
  const protocols = checkProtocols(rawProtocols);
  if (signal !== undefined && !isAbortSignal(signal)) throw typeError("signal", "an AbortSignal", signal);
  let headers: HeaderFields = [];
  if (rawHeaders !== undefined) {
    if (rawHeaders === null || typeof rawHeaders !== "object") {
      throw typeError("headers", "a Headers object, a record of strings or a list of [name, value] pairs", rawHeaders);
    }
    headers = normalizeHeaderFields(rawHeaders as HeaderFieldsInit);
  }
  checkHeaders(headers);
  return new HandshakeRequest(
    { url, method, protocols, signal: signal as AbortSignal | undefined, maxFrameSize: options.maxFrameSize, extensions: options.extensions ?? [] },
    headers,
  );
}

/** A target as the parts it names. */
function targetParts(target: unknown): Readonly<Record<string, unknown>> {
  if (typeof target === "string" || target instanceof URL) return { url: target };
  if (isForeignUrl(target)) return { url: target.href };
  if (!isPlainObject(target)) {
    throw typeError("A WebSocket target", "a URL string, a URL or an options object such as { host, port, path }", target);
  }
  return target;
}

/** The base URL, checked: a string or a URL with a WebSocket (or HTTP) scheme. */
function parseUrl(base: unknown): URL {
  if (base === undefined) return new URL("ws://localhost/");
  let text: string;
  if (typeof base === "string") text = base;
  else if (base instanceof URL || isForeignUrl(base)) text = base.href;
  else throw typeError("url", 'a URL string or a URL, e.g. "ws://example.com:8080/echo"', base);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`url must be a valid ws:, wss:, http: or https: URL; got ${describeValue(maskCredentials(text))}`);
  }
  if (!SCHEMES.has(url.protocol)) {
    throw new TypeError(`url must have the scheme ws:, wss:, http: or https:, not ${url.protocol}; got ${describeValue(maskCredentials(text))}`);
  }
  return url;
}

/**
 * A host checked, as the text to give the URL's hostname setter and the hostname it must then have.
 * Names and IP addresses only: what else a URL could make of a host (another host, a port) is refused.
 */
function checkHost(host: unknown): { text: string; expected: string } {
  if (typeof host !== "string") throw typeError("host", "a host name or an IP address (a string)", host);
  if (host === "") throw hostError(host, "non-empty ");
  let text = host;
  if (URL_LIKE.test(host)) throw hostError(host, "", ", not a URL (pass a URL as url)");
  if (host.includes("@")) throw hostError(host, "", ", without credentials (they go in url: \"ws://user:password@host/\")");
  if (host.startsWith("[") && host.endsWith("]")) {
    if (!IPV6_TEXT.test(host.slice(1, -1))) throw hostError(host, "");
  } else if (IPV6_TEXT.test(host) && host.split(":").length > 2) {
    text = `[${host}]`; // a bare IPv6 address, as a URL writes it
  } else {
    const withPort = HOST_AND_PORT.exec(host);
    if (withPort !== null) {
      const port = withPort[1] === "" ? "" : ` (put the port in port: ${Number(withPort[1])})`;
      throw hostError(host, "", `, without a port${port}`);
    }
    if (!HOST_NAME.test(host)) throw hostError(host, "", ", without a path, query, whitespace or other punctuation");
  }
  let expected: string;
  try {
    expected = new URL(`ws://${text}/`).hostname;
  } catch {
    throw hostError(host, "");
  }
  // The URL reads "127.1", "2130706433" and "010.0.0.1" (octal) as IPv4 addresses: ask for the address it means.
  if (IPV4.test(expected) && expected !== host) {
    throw hostError(host, "", `, an IPv4 address written out in full (a URL reads this one as ${expected})`);
  }
  return { text, expected };
}

function hostError(host: unknown, article: string, detail = ""): TypeError {
  // A host with "user:password@" in front is quoted without it. Not maskCredentials: a host is no
  // URL, so a password here may hold "/", "?" or "#", where a URL's credentials would end.
  const shown = typeof host === "string" ? host.replace(/^.*@/s, "***@") : host;
  return typeError("host", `a ${article}host name or an IP address${detail}`, shown);
}

/** A path must be a string, a path and query only. */
function checkPath(path: unknown): asserts path is string {
  if (typeof path !== "string") throw typeError("path", 'a string such as "/echo?room=1"', path);
  const shown = maskCredentials(path);
  if (URL_LIKE.test(path)) throw typeError("path", 'a path such as "/echo?room=1", not a URL (pass a URL as url)', shown);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(path);
  if (scheme !== null) {
    throw typeError("path", `a path starting with "/" (a URL would read this one as having the scheme ${scheme[1]}:)`, shown);
  }
  if (path.includes("#")) throw typeError("path", "a path with an optional query, without a fragment (#...)", shown);
  if (BAD_PATH_CHARS.test(path)) {
    throw typeError("path", "a path without whitespace, control characters or backslashes (percent-encode them: %20)", shown);
  }
}

function checkMethod(method: unknown): string {
  if (method === undefined) return "GET";
  if (typeof method !== "string") throw typeError("method", 'HttpMethod.Get ("GET")', method);
  const upper = method.toUpperCase();
  if (upper !== "GET") {
    throw new TypeError(`A WebSocket handshake is a GET request (RFC 6455 §4.1), not ${quote(method)}: method must be HttpMethod.Get or left out`);
  }
  return upper;
}

function checkProtocols(protocols: unknown): string[] {
  if (protocols === undefined) return [];
  let list: unknown[];
  if (typeof protocols === "string") list = [protocols];
  else if (Array.isArray(protocols)) list = [...(protocols as unknown[])];
  else throw typeError("protocols", "a subprotocol name or an array of them", protocols);
  list.forEach((protocol, i) => {
    if (typeof protocol !== "string") throw typeError(`protocols[${i}]`, "a string", protocol);
    if (!isValidSubprotocol(protocol)) throw new TypeError(`Invalid subprotocol ${quote(protocol)}: a subprotocol is an HTTP token (no spaces, commas or quotes)`);
  });
  if (list.length > 1 && new Set(list).size !== list.length) throw new TypeError("Subprotocols must not repeat");
  return list as string[];
}

/** An `AbortSignal`, or anything that works as one here (from another realm, or a polyfill). */
function isAbortSignal(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  const signal = value as { aborted?: unknown; addEventListener?: unknown; removeEventListener?: unknown };
  return typeof signal.aborted === "boolean" && typeof signal.addEventListener === "function" && typeof signal.removeEventListener === "function";
}

/** An object literal (from this realm or another), not an array, a class instance or a function. */
function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (value === null || typeof value !== "object") return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

/** A `URL` from another realm (a vm context, an iframe), which `instanceof URL` does not recognise. */
function isForeignUrl(value: unknown): value is { readonly href: string } {
  return (
    value !== null &&
    typeof value === "object" &&
    Object.prototype.toString.call(value) === "[object URL]" &&
    typeof (value as { href?: unknown }).href === "string"
  );
}

/** Refuses the headers the handshake sets itself. */
function checkHeaders(headers: HeaderFields): void {
  for (const [name] of headers) {
    if (RESERVED_HEADERS.has(name)) {
      throw new TypeError(
        `The ${name} header is set by the handshake itself (use the protocols option for subprotocols, ws.extensions(...) for extensions)`,
      );
    }
  }
}
