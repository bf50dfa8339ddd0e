import { ConnectError, ConnectTimeoutError, TlsError, WebSocketError } from "../errors.js";

/**
 * @internal What an engine knows when a connection attempt fails, for the message: where it went,
 * which settings the hints should name, and how far the TLS handshake got.
 */
export interface ConnectFailureContext {
  /** The URL connected to: its host and port are named, never its credentials. */
  readonly url: URL;
  /** Whose settings the hints name: CIO's `cio.tls`, or the ws engine's `ws.preconfigured`. */
  readonly engine: "cio" | "ws";
  /** Whether the socket failed during its TLS handshake; when unknown, Node's message tells. */
  readonly duringTls?: boolean;
  /** What `url` is: the WebSocket server (the default), or an HTTP CONNECT proxy. */
  readonly peer?: "server" | "proxy";
}

/** @internal A failure to connect, in words. */
export interface ConnectFailureReason {
  /** Whether it is a TLS failure (a certificate refused, or no TLS spoken), rather than the network's. */
  readonly tls: boolean;
  /** Node's or OpenSSL's code (`"ECONNREFUSED"`, `"DEPTH_ZERO_SELF_SIGNED_CERT"`), or null. */
  readonly systemCode: string | null;
  /** What happened and what to do, without the host (e.g. "connection refused (ECONNREFUSED): ..."). */
  readonly text: string;
}

/** Certificates that no trusted CA vouches for: trusting their CA fixes them. */
const UNTRUSTED = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "INVALID_CA",
]);

/** The other certificate verification failures OpenSSL reports (Node passes its names on as codes). */
const CERTIFICATE = new Set([
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "HOSTNAME_MISMATCH",
  "CERT_REVOKED",
  "CERT_REJECTED",
  "CERT_SIGNATURE_FAILURE",
  "CERT_CHAIN_TOO_LONG",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "UNABLE_TO_GET_CRL",
  "CRL_HAS_EXPIRED",
  "CRL_NOT_YET_VALID",
  "CRL_SIGNATURE_FAILURE",
  "UNABLE_TO_DECRYPT_CRL_SIGNATURE",
  "ERROR_IN_CRL_LAST_UPDATE_FIELD",
  "ERROR_IN_CRL_NEXT_UPDATE_FIELD",
]);

/**
 * OpenSSL's reasons for a first record that is not TLS at all, typically an HTTP answer to the
 * ClientHello. Node gives them as `ERR_SSL_WRONG_VERSION_NUMBER` and the like, or, when a write was
 * waiting for the handshake, as `EPROTO` with OpenSSL's error string as the message.
 */
const PLAIN_TEXT = new Set(["wrong version number", "packet length too long", "http request", "unknown protocol"]);

/** @internal The port a URL's scheme implies: 443 for `wss:` and `https:`, 80 otherwise. */
export function defaultPort(url: URL): number {
  return url.protocol === "wss:" || url.protocol === "https:" ? 443 : 80;
}

/**
 * @internal The host and port a URL connects to, `host:port` (the default port made explicit; an
 * IPv6 address keeps its brackets; never credentials).
 */
export function endpointOf(url: URL): string {
  return `${url.hostname}:${Number(url.port) || defaultPort(url)}`;
}

/**
 * @internal The error of a connect that ran out of time: it names the host, the setting and its value
 * (`millis`, the whole timeout, even when only what was left of it was being waited for).
 */
export function connectTimeoutError(url: URL, millis: number, setting: string): ConnectTimeoutError {
  return new ConnectTimeoutError(`Connecting to ${url.host} took longer than ${millis} ms (${setting})`);
}

/**
 * @internal Turns what a socket (or `ws`) failed with while connecting into a `ConnectError`, or a
 * `TlsError` for a TLS failure, whose message says what happened and what to do; the original is the
 * `cause`. A `WebSocketError` is returned as it is.
 */
export function toConnectError(error: unknown, context: ConnectFailureContext): WebSocketError {
  if (error instanceof WebSocketError) return error;
  const reason = describeConnectFailure(error, context);
  const message = `Could not connect to ${endpointOf(context.url)}: ${reason.text}`;
  return reason.tls ? new TlsError(message, reason.systemCode, { cause: error }) : new ConnectError(message, reason.systemCode, { cause: error });
}

/** @internal What a failure to connect means and what to do about it (the message's part after the host). */
export function describeConnectFailure(error: unknown, context: ConnectFailureContext): ConnectFailureReason {
  const code = systemCodeOf(error);
  const message = messageOf(error);
  const proxy = context.peer === "proxy";
  const tagged = (text: string): string => (code === null ? text : `${text} (${code})`);
  const connect = (text: string): ConnectFailureReason => ({ tls: false, systemCode: code, text });
  const tls = (text: string): ConnectFailureReason => ({ tls: true, systemCode: code, text });
  const hints = HINTS[context.engine];
  const host = context.url.hostname;

  if (code !== null && UNTRUSTED.has(code)) {
    return tls(
      `its TLS certificate is not trusted (${message}, ${code}): trust the CA that issued it (PEM) with ${hints.ca}, ` +
        `or for the whole process with NODE_EXTRA_CA_CERTS=/path/to/ca.pem; ${hints.insecure} turns verification off, for testing only`,
    );
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID" || code === "HOSTNAME_MISMATCH") {
    const names = certificateNames(error);
    const checked = stringProperty(error, "host") ?? host;
    const whose = names.length > 0 ? `is for ${names.join(", ")}, not ${checked}` : `is not for ${checked}`;
    return tls(`its TLS certificate ${whose} (${code}): connect by a name the certificate is for, or set the name to check with ${hints.servername}`);
  }
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") {
    const state = code === "CERT_HAS_EXPIRED" ? "has expired" : "is not valid yet";
    return tls(`its TLS certificate ${state} (${code}): the server must renew it, unless this machine's clock is wrong; ${hints.insecure} turns verification off, for testing only`);
  }
  if (code !== null && CERTIFICATE.has(code)) {
    return tls(`its TLS certificate was refused (${message}, ${code}): the server's certificate must be fixed; ${hints.insecure} turns verification off, for testing only`);
  }
  const ssl = opensslReason(error, code, message);
  if (ssl !== null || (code !== null && /^ERR_(TLS|OSSL)_/.test(code))) {
    // Node's ERR_SSL_ codes spell OpenSSL's reason out already; EPROTO needs it said.
    const what = code?.startsWith("ERR_SSL_") ? `(${code})` : `(${ssl ?? message}${code === null ? "" : `, ${code}`})`;
    if (ssl !== null && PLAIN_TEXT.has(ssl)) {
      return tls(`the server answered in plain text, not TLS ${what}: ${proxy ? "is the proxy URL http: rather than https:?" : "is the URL ws: rather than wss:?"}`);
    }
    return tls(`the TLS handshake failed (${ssl ?? message}${code === null ? "" : `, ${code}`})`);
  }

  switch (code) {
    case "ECONNREFUSED":
      return connect(`connection refused (ECONNREFUSED): nothing listens there; is the ${proxy ? "proxy" : "server"} running, and are the host and port right?`);
    case "ENOTFOUND":
      return connect(`the host name ${host} did not resolve (ENOTFOUND): check its spelling, or this machine's DNS`);
    case "EAI_AGAIN":
      return connect(`the host name ${host} could not be resolved for now (EAI_AGAIN): the DNS server did not answer; check the network`);
    case "ECONNRESET":
    case "EPIPE": {
      const duringTls = context.duringTls ?? /before secure TLS connection/i.test(message);
      return connect(
        duringTls
          ? `the connection was reset before the handshake completed, during TLS (${code}): does the ${proxy ? "proxy" : "server"} speak TLS on that port? ` +
              (proxy ? "If not, use an http: proxy URL" : "A plain ws: server needs a ws: URL, not wss:")
          : `the connection was reset before the handshake completed (${code}): the ${proxy ? "proxy" : "server"}, or something in between, dropped it`,
      );
    }
    case "EHOSTUNREACH":
    case "EHOSTDOWN":
      return connect(`no route to the host (${code}): check the address, this machine's network, and any firewall in between`);
    case "ENETUNREACH":
    case "ENETDOWN":
      return connect(`the network is unreachable (${code}): check this machine's network connection`);
    case "ETIMEDOUT":
      return connect(`the connection attempt timed out (ETIMEDOUT): the host did not answer; check the address, and that no firewall drops the packets`);
  }
  // Anything else: Node's own words, which usually name the code already.
  return connect(code === null || message.includes(code) ? message : tagged(message));
}

/** The settings each engine's hints name. */
const HINTS: Readonly<Record<ConnectFailureContext["engine"], { ca: string; servername: string; insecure: string }>> = {
  cio: {
    ca: "cio.tls.ca: config.engine((cio) => { cio.tls = { ca } })",
    servername: "cio.tls.servername",
    insecure: "cio.tls = { rejectUnauthorized: false }",
  },
  ws: {
    ca: "ws.preconfigured.ca: config.engine((ws) => { ws.preconfigured = { ca } })",
    servername: "ws.preconfigured = { servername }",
    insecure: "ws.preconfigured = { rejectUnauthorized: false }",
  },
};

/** Node's `code` (an `AggregateError` of one failure per address carries the first one's). */
function systemCodeOf(error: unknown): string | null {
  const code = stringProperty(error, "code");
  if (code !== null) return code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const innerCode = stringProperty(inner, "code");
      if (innerCode !== null) return innerCode;
    }
  }
  return null;
}

/** OpenSSL's reason for a TLS failure ("wrong version number"), or null when the error is not OpenSSL's. */
function opensslReason(error: unknown, code: string | null, message: string): string | null {
  const reason = stringProperty(error, "library") === "SSL routines" ? stringProperty(error, "reason") : null;
  if (reason !== null) return reason;
  if (code?.startsWith("ERR_SSL_")) return code.slice("ERR_SSL_".length).toLowerCase().replaceAll("_", " ");
  // "write EPROTO 80...:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl3_record.c:350:"
  return /:SSL routines:[^:]*:([^:]+):/.exec(message)?.[1] ?? null;
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.message === "" && error.errors.length > 0) return messageOf(error.errors[0]);
  if (error instanceof Error) return error.message.trim() || error.name;
  return String(error);
}

function stringProperty(value: unknown, name: string): string | null {
  if (typeof value !== "object" || value === null) return null;
  const property = (value as Record<string, unknown>)[name];
  return typeof property === "string" && property !== "" ? property : null;
}

/** The names a certificate is for (its subjectAltName, else its CN), as Node attached it to the error. */
function certificateNames(error: unknown): string[] {
  const cert = typeof error === "object" && error !== null ? (error as { cert?: unknown }).cert : undefined;
  const alt = stringProperty(cert, "subjectaltname");
  let names: string[] = [];
  if (alt !== null) {
    for (const entry of alt.split(", ")) {
      const colon = entry.indexOf(":");
      const kind = entry.slice(0, colon);
      const value = entry.slice(colon + 1);
      if (kind === "DNS") names.push(value);
      else if (kind === "IP Address") names.push(shortIp(value));
    }
  } else {
    const cn = stringProperty(typeof cert === "object" && cert !== null ? (cert as { subject?: unknown }).subject : undefined, "CN");
    if (cn !== null) names = [cn];
  }
  return names.length > 6 ? [...names.slice(0, 5), `${names.length - 5} more`] : names;
}

/** An IPv6 address as usually written (Node spells out "0:0:0:0:0:0:0:1"); others as they are. */
function shortIp(address: string): string {
  if (!address.includes(":")) return address;
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address;
  }
}
