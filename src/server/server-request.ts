import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

/** The upgrade request of a session, as its handler and the server's hooks see it. */
export interface WebSocketServerRequest {
  /** The request's URL: `ws:` or `wss:`, the `Host` header's authority, the path and the query. */
  readonly url: URL;
  /** The request's header fields (names are case-insensitive). */
  readonly headers: Headers;
  /** The client's IP address, as the socket saw it (no proxy headers are trusted). */
  readonly remoteAddress: string | undefined;
  /** The client's port. */
  readonly remotePort: number | undefined;
  /** The subprotocols the client offered, in its order. */
  readonly protocols: readonly string[];
  /** Node's request, for anything not above. Its socket belongs to the session: do not read or write it. */
  readonly raw: IncomingMessage;
}

/**
 * @internal Builds the request view, or returns null when the target or the `Host` header cannot form
 * a URL (the caller answers 400).
 */
export function createServerRequest(raw: IncomingMessage, protocols: readonly string[]): WebSocketServerRequest | null {
  const secure = (raw.socket as Partial<TLSSocket>).encrypted === true;
  const url = requestUrl(raw.url ?? "", raw.headers.host ?? "", secure ? "wss:" : "ws:");
  if (url === null) return null;
  const headers = new Headers();
  const pairs = raw.rawHeaders;
  try {
    for (let i = 0; i + 1 < pairs.length; i += 2) headers.append(pairs[i], pairs[i + 1]);
  } catch {
    return null;
  }
  return {
    url,
    headers,
    remoteAddress: raw.socket.remoteAddress,
    remotePort: raw.socket.remotePort,
    protocols,
    raw,
  };
}

/** @internal The path of a request target in origin form (`/a?b`) or absolute form (`http://h/a?b`), or null. */
export function requestPath(target: string): string | null {
  if (target.startsWith("/")) {
    const end = target.search(/[?#]/);
    return end < 0 ? target : target.slice(0, end);
  }
  try {
    return new URL(target).pathname;
  } catch {
    return null;
  }
}

function requestUrl(target: string, host: string, scheme: string): URL | null {
  if (host === "" || /[/?#@\s\\]/.test(host)) return null;
  try {
    const origin = new URL(`${scheme}//${host}`).origin;
    // Concatenated, not resolved: a target "//x" is a path, not another host.
    if (target.startsWith("/")) return new URL(origin + target);
    // Absolute form (RFC 7230 §5.3.2): keep its path and query, and our scheme and Host.
    const absolute = new URL(target);
    return new URL(origin + absolute.pathname + absolute.search);
  } catch {
    return null;
  }
}
