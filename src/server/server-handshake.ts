import { Buffer } from "node:buffer";
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { computeAccept, headerHasToken, isValidSubprotocol } from "../protocol/handshake.js";
import { backgroundTimer } from "../util/timers.js";
import { requestHeader, requestHeaderValues } from "./server-request.js";
import type { HandshakeResponse } from "../errors.js";

/** A valid opening handshake: the client's key and the subprotocols it offered, in its order. */
export interface AcceptedUpgrade {
  readonly ok: true;
  readonly key: string;
  readonly protocols: readonly string[];
}

/** An HTTP answer instead of an upgrade. */
export interface RefusedUpgrade {
  readonly ok: false;
  readonly status: number;
  /** Says why, for the response body. */
  readonly message: string;
  /** Extra header fields; an `Upgrade` field (spelled so) is announced in `Connection` too. */
  readonly headers: Readonly<Record<string, string>>;
}

/** 16 bytes in base64 are exactly 22 characters and "==" (RFC 6455 §4.1 step 7, §4.2.1 step 5). */
const KEY = /^[A-Za-z0-9+/]{22}==$/;
/** How long a refused client gets to read our answer and close before the socket is cut. */
const REFUSAL_LINGER_MILLIS = 1_000;

/**
 * Checks a request against RFC 6455 §4.2.1, in this order: it asks to upgrade to "websocket" (else
 * 426, or 405 for a method other than GET/HEAD), the method is GET (405), HTTP/1.1 or later, one
 * `Host`, `Connection: upgrade` (400), `Sec-WebSocket-Version: 13` (426 naming 13), a key of 16
 * bytes and well-formed subprotocols (400).
 */
export function checkUpgradeRequest(request: IncomingMessage): AcceptedUpgrade | RefusedUpgrade {
  if (!headerHasToken(requestHeader(request, "upgrade") ?? null, "websocket")) {
    if (request.method === "GET" || request.method === "HEAD") {
      return refuse(426, "This resource speaks only WebSocket", { Upgrade: "websocket" });
    }
    return refuse(405, "This resource speaks only WebSocket, which needs GET", { Allow: "GET" });
  }
  if (request.method !== "GET") return refuse(405, "A WebSocket upgrade must use GET", { Allow: "GET" });
  if (request.httpVersionMajor < 1 || (request.httpVersionMajor === 1 && request.httpVersionMinor < 1)) {
    return refuse(400, "A WebSocket upgrade needs HTTP/1.1 or later");
  }
  // RFC 9112 §3.2: a request without Host, or with more than one, is answered 400.
  const hosts = requestHeaderValues(request, "host");
  if (!hosts[0]) return refuse(400, "The Host header is missing");
  if (hosts.length > 1) return refuse(400, "The request has more than one Host header field");
  if (!headerHasToken(requestHeader(request, "connection") ?? null, "upgrade")) return refuse(400, 'The Connection header does not list "Upgrade"');
  if (requestHeader(request, "sec-websocket-version")?.trim() !== "13") {
    return refuse(426, "Only WebSocket version 13 is supported", { Upgrade: "websocket", "Sec-WebSocket-Version": "13" });
  }
  const key = requestHeader(request, "sec-websocket-key")?.trim() ?? "";
  if (!KEY.test(key)) return refuse(400, "Sec-WebSocket-Key must be 16 bytes in base64");
  const protocols = parseProtocols(requestHeader(request, "sec-websocket-protocol"));
  if (protocols === null) return refuse(400, "Sec-WebSocket-Protocol must list distinct tokens");
  return { ok: true, key, protocols };
}

/** The 101 response's header fields (RFC 6455 §4.2.2 step 5), with the agreed extensions if any. */
export function acceptHeaders(key: string, protocol: string | null, extensions: string | null = null): Headers {
  const headers = new Headers({ Upgrade: "websocket", Connection: "Upgrade", "Sec-WebSocket-Accept": computeAccept(key) });
  if (protocol !== null) headers.set("Sec-WebSocket-Protocol", protocol);
  if (extensions !== null) headers.set("Sec-WebSocket-Extensions", extensions);
  return headers;
}

/**
 * The 101 response's bytes: the fields of `acceptHeaders` in `Headers` order (lower-case names,
 * sorted), written directly. `accept` is `computeAccept(key)`.
 */
export function acceptResponseHead(accept: string, protocol: string | null, extensions: string | null = null): string {
  let head = `HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n`;
  if (extensions !== null) head += `sec-websocket-extensions: ${extensions}\r\n`;
  if (protocol !== null) head += `sec-websocket-protocol: ${protocol}\r\n`;
  return `${head}upgrade: websocket\r\n\r\n`;
}

/**
 * The 101 response as a server session keeps it for its whole life: the key and what was agreed,
 * with `headers` (those of `acceptHeaders`) built the first time they are read.
 */
export class AcceptedResponse implements HandshakeResponse {
  private readonly key: string;
  private readonly protocol: string | null;
  private readonly extensions: string | null;
  private built: Headers | null = null;

  constructor(key: string, protocol: string | null, extensions: string | null) {
    this.key = key;
    this.protocol = protocol;
    this.extensions = extensions;
  }

  get status(): number {
    return 101;
  }

  get statusText(): string {
    return "Switching Protocols";
  }

  get headers(): Headers {
    return (this.built ??= acceptHeaders(this.key, this.protocol, this.extensions));
  }

  /** The same JSON as a plain `{ status, statusText, headers }` object. */
  toJSON(): HandshakeResponse {
    return { status: this.status, statusText: this.statusText, headers: this.headers };
  }

  /** Shown by `console.log` / `util.inspect` as a plain `{ status, statusText, headers }` object. */
  [Symbol.for("nodejs.util.inspect.custom")](): HandshakeResponse {
    return this.toJSON();
  }
}

/**
 * Answers a refused upgrade on its raw socket and closes it: our FIN goes after the response, and
 * the socket is cut if the client has not closed its side shortly after.
 */
export function writeRefusal(socket: Duplex, refusal: RefusedUpgrade): void {
  if (socket.destroyed) return;
  const body = `${refusal.message}\n`;
  const headers: Record<string, string> = {
    ...refusal.headers,
    Connection: refusal.headers.Upgrade !== undefined ? "Upgrade, close" : "close",
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
  };
  let head = `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ""}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  socket.end(`${head}\r\n${body}`);
  // Read (and drop) what the client still sends, so its FIN is seen and closing sends no RST.
  socket.resume();
  backgroundTimer(() => socket.destroy(), REFUSAL_LINGER_MILLIS);
}

/** Answers a refusal through Node's response object (a request that did not come as an upgrade). */
export function sendRefusal(request: IncomingMessage, response: ServerResponse, refusal: RefusedUpgrade): void {
  const body = `${refusal.message}\n`;
  const headers: Record<string, string> = {
    ...refusal.headers,
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
  };
  // RFC 7230 §6.7: an Upgrade header field in a response is announced in Connection.
  if (refusal.headers.Upgrade !== undefined) headers.Connection = "Upgrade";
  response.writeHead(refusal.status, headers);
  response.end(request.method === "HEAD" ? undefined : body);
}

/** A refusal with this status. */
export function refuse(status: number, message: string, headers: Readonly<Record<string, string>> = {}): RefusedUpgrade {
  return { ok: false, status, message, headers };
}

/** What most requests offer: one frozen array, not one per session. */
const NO_PROTOCOLS: readonly string[] = Object.freeze([]);

/** The offered subprotocols, or null when one is not a token or appears twice. */
function parseProtocols(value: string | undefined): readonly string[] | null {
  if (value === undefined) return NO_PROTOCOLS;
  const names = value.split(",").map((name) => name.trim());
  // Node joins repeated header fields with ", "; an empty value offers nothing.
  if (names.length === 1 && names[0] === "") return NO_PROTOCOLS;
  if (names.some((name) => !isValidSubprotocol(name))) return null;
  if (new Set(names).size !== names.length) return null;
  return names;
}
