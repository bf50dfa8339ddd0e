import type { WebSocketRequest } from "../engine.js";
import { WebSocketHandshakeError } from "../../errors.js";
import type { ExtensionOffering } from "../../extensions/extension.js";
import { HandshakeRequest, callerHeaderFields } from "../handshake-request.js";

/** The redirect statuses followed (for a GET upgrade, all five mean: ask there instead). */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Hops followed for `followRedirects = true`. */
export const DEFAULT_MAX_REDIRECTS = 5;

/** How many redirects `followRedirects` (checked by its setter and the engine) allows. */
export function maxRedirects(setting: boolean | number): number {
  return setting === true ? DEFAULT_MAX_REDIRECTS : setting === false ? 0 : setting;
}

/** Whether `error` is a redirect answer to the upgrade. */
export function isRedirect(error: unknown): error is WebSocketHandshakeError {
  return error instanceof WebSocketHandshakeError && REDIRECT_STATUSES.has(error.status);
}

/** The error for a redirect that is not followed: the answer's status, headers and `Location` are kept. */
export function unfollowedRedirect(error: WebSocketHandshakeError, reason: string): WebSocketHandshakeError {
  const location = error.headers.get("location");
  return new WebSocketHandshakeError(
    `${error.message}${location === null ? "" : `, redirecting to ${location}`}: ${reason}`,
    error.response,
    error.body,
    { cause: error },
  );
}

/**
 * The request to send where a redirect points, or a `WebSocketHandshakeError` saying why it is not
 * followed. `http:` / `https:` locations become `ws:` / `wss:`; a relative one resolves against the
 * current URL. Never from `wss:` to `ws:`. When the origin changes, `Authorization` and `Cookie`
 * headers and the URL's credentials are dropped, and a location carrying credentials of its own is refused.
 */
export function redirectRequest(request: WebSocketRequest, error: WebSocketHandshakeError): WebSocketRequest {
  const location = error.headers.get("location");
  if (location === null || location.trim() === "") {
    throw new WebSocketHandshakeError(`${error.message}, without a Location header to follow`, error.response, error.body, { cause: error });
  }
  if (request.method.toUpperCase() !== "GET") throw unfollowedRedirect(error, "only GET upgrades are redirected");
  let next: URL;
  try {
    next = new URL(location.trim(), request.url);
  } catch {
    throw unfollowedRedirect(error, "the Location is not a valid URL");
  }
  const scheme = ({ "ws:": "ws:", "http:": "ws:", "wss:": "wss:", "https:": "wss:" } as Record<string, string>)[next.protocol];
  if (scheme === undefined) throw unfollowedRedirect(error, `a WebSocket cannot follow a redirect to ${next.protocol}`);
  next = new URL(next.href.replace(/^[a-z]+:/i, scheme));
  next.hash = "";
  if (request.url.protocol === "wss:" && next.protocol === "ws:") {
    throw unfollowedRedirect(error, "a redirect from wss: to ws: is refused (it would drop TLS)");
  }
  let headers = callerHeaderFields(request) ?? [];
  if (next.origin !== request.url.origin) {
    const absolute = /^[a-z][a-z0-9+.-]*:/i.test(location.trim()) || location.trim().startsWith("//");
    if (absolute && (next.username !== "" || next.password !== "")) {
      throw unfollowedRedirect(error, "a redirect to another origin with credentials in its URL is refused");
    }
    next.username = "";
    next.password = "";
    headers = headers.filter(([name]) => name !== "authorization" && name !== "cookie");
  }
  const { method, protocols, signal, maxFrameSize } = request;
  const extensions = (request as ExtensionOffering).extensions ?? [];
  return new HandshakeRequest({ url: next, method, protocols, signal, maxFrameSize, extensions }, headers);
}
