import type { ResponseHeadLimits } from "../../http/response-head.js";

/** TLS settings for `wss:` connections. Verification is on unless turned off here. */
export interface CioTlsConfig {
  /** Certificate authorities to trust instead of the system's (PEM). */
  ca?: string | Uint8Array | ReadonlyArray<string | Uint8Array>;
  /** Verify the server's certificate (default true). */
  rejectUnauthorized?: boolean;
  /** SNI and certificate name to check (default: the URL's host, unless it is an IP address). */
  servername?: string;
}

/**
 * Where CIO's connections go through an HTTP CONNECT proxy:
 *
 * - a proxy URL, `"http://user:pass@proxy.example:3128"` (credentials become `Proxy-Authorization:
 *   Basic`; an `https:` URL speaks TLS to the proxy too), used for every connection;
 * - `"env"` (the default): `HTTPS_PROXY` for `wss:`, `HTTP_PROXY` for `ws:` (lowercase names first),
 *   except for hosts that `NO_PROXY` lists and for loopback hosts (localhost, 127.0.0.0/8, ::1);
 * - `null`: never.
 */
export type CioProxyConfig = string | URL | "env" | null;

/** Settings of the CIO engine, set in `config.engine((cio) => { ... })`. */
export class CioEngineConfig {
  /** Time for TCP, the proxy tunnel, TLS and the HTTP upgrade together (and every redirect), in milliseconds. */
  connectTimeoutMillis = 15_000;
  /** TLS settings for `wss:` (and for an `https:` proxy): trusted CAs, verification, server name. */
  tls: CioTlsConfig = {};
  /** Limits on the handshake response's head (and on a proxy's answer to CONNECT). */
  responseHead: ResponseHeadLimits = { maxBytes: 16 * 1024, maxHeaders: 100 };
  /** An HTTP CONNECT proxy: a URL, `"env"` (the default: the `*_PROXY` variables) or null for none. */
  proxy: CioProxyConfig = "env";
  /**
   * Follow redirects (301, 302, 303, 307, 308) of the upgrade request: false (the default; the 3xx
   * answer fails with `WebSocketHandshakeError` carrying its status and `Location`), true for at most
   * 5 hops, or the most hops to follow. A redirect from `wss:` to `ws:` is refused, and
   * `Authorization` and URL credentials are dropped when the origin changes.
   */
  followRedirects: boolean | number = false;
}
