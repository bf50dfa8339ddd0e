import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { isValidHeaderField } from "../http/header-fields.js";
import { sharedString, shareHeaderStrings } from "../http/shared-strings.js";

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
  const url = requestUrl(raw.url ?? "", requestHeader(raw, "host") ?? "", secure ? "wss:" : "ws:");
  if (url === null) return null;
  const pairs = raw.rawHeaders;
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    if (!isValidHeaderField(pairs[i], pairs[i + 1])) return null;
  }
  // The request lives as long as its session: its repeating strings are kept once per process.
  shareHeaderStrings(pairs);
  return new ServerRequest(url, raw, protocols);
}

/**
 * The request view a session's handler (and the hooks) get. It lives as long as the session: `url`
 * and `headers` are made from the raw request the first time they are read, so an idle session
 * keeps a string instead of a `URL` and a `Headers` object.
 */
class ServerRequest implements WebSocketServerRequest {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly protocols: readonly string[];
  readonly raw: IncomingMessage;
  /** Text that parses as the URL (checked), parsed when `url` is first read. */
  private readonly urlText: string;
  private builtUrl: URL | null = null;
  private builtHeaders: Headers | null = null;

  constructor(urlText: string, raw: IncomingMessage, protocols: readonly string[]) {
    this.urlText = urlText;
    this.raw = raw;
    this.protocols = protocols;
    // Read now: a socket forgets its peer once it is closed.
    const address = raw.socket.remoteAddress;
    this.remoteAddress = address === undefined ? undefined : sharedString(address);
    this.remotePort = raw.socket.remotePort;
  }

  get url(): URL {
    return (this.builtUrl ??= new URL(this.urlText));
  }

  get headers(): Headers {
    if (this.builtHeaders === null) {
      const headers = new Headers();
      const pairs = this.raw.rawHeaders;
      for (let i = 0; i + 1 < pairs.length; i += 2) headers.append(pairs[i], pairs[i + 1]);
      this.builtHeaders = headers;
    }
    return this.builtHeaders;
  }

  /** Shown by `console.log` / `util.inspect` as a plain object with every field. */
  [Symbol.for("nodejs.util.inspect.custom")](): object {
    const { url, headers, remoteAddress, remotePort, protocols, raw } = this;
    return { url, headers, remoteAddress, remotePort, protocols, raw };
  }
}

/**
 * @internal A request header field as `request.headers[name]` gives it (`name` in lower case), read
 * from `rawHeaders`: Node builds its `headers` object on the first read, and a session keeps its
 * request for its whole life. As Node does, repeated fields are joined with ", ", except `host`, whose
 * first value wins unless the server joins duplicate headers.
 */
export function requestHeader(request: IncomingMessage, name: string): string | undefined {
  const values = requestHeaderValues(request, name);
  if (values.length <= 1) return values[0];
  const joined = name !== "host" || (request as { joinDuplicateHeaders?: boolean | null }).joinDuplicateHeaders === true;
  return joined ? values.join(", ") : values[0];
}

/** @internal The value of each field line named `name` (in lower case), in order. */
export function requestHeaderValues(request: IncomingMessage, name: string): string[] {
  const pairs = request.rawHeaders;
  const values: string[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const field = pairs[i];
    if (field.length === name.length && field.toLowerCase() === name) values.push(pairs[i + 1]);
  }
  return values;
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

/** Text that parses as the request's URL, or null when none can be made. */
function requestUrl(target: string, host: string, scheme: string): string | null {
  if (host === "" || /[/?#@\s\\]/.test(host)) return null;
  // Concatenated, not resolved: a target "//x" is a path, not another host. (The host, checked
  // above, ends at the target's "/" just as it does alone.) Checked here, parsed only if read.
  if (target.startsWith("/")) {
    const text = `${scheme}//${host}${target}`;
    return URL.canParse(text) ? text : null;
  }
  try {
    const origin = new URL(`${scheme}//${host}`).origin;
    // Absolute form (RFC 7230 §5.3.2): keep its path and query, and our scheme and Host.
    const absolute = new URL(target);
    return new URL(origin + absolute.pathname + absolute.search).href;
  } catch {
    return null;
  }
}
