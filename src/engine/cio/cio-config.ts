import { DEFAULT_RESPONSE_HEAD_LIMITS, type ResponseHeadLimits } from "../../http/response-head.js";
import type { Duration } from "../../util/duration.js";
import { typeError, rangeError, describeValue } from "../../util/describe-value.js";
import {
  DEFAULT_CONNECT_TIMEOUT_MILLIS,
  checkDuration,
  checkKeys,
  checkMillis,
  checkSettings,
  checkWhole,
  isOptionsObject,
  maskCredentials,
  type SettingChecks,
} from "../config-checks.js";
import { parseProxyUrl, type CioProxyConfig } from "./proxy-selection.js";

export type { CioProxyConfig } from "./proxy-selection.js";

/** TLS settings for `wss:` connections. Verification is on unless turned off here. */
export interface CioTlsConfig {
  /** Certificate authorities to trust instead of the system's (PEM). */
  ca?: string | Uint8Array | ReadonlyArray<string | Uint8Array>;
  /** Verify the server's certificate (default true). */
  rejectUnauthorized?: boolean;
  /** SNI and certificate name to check (default: the URL's host, unless it is an IP address). */
  servername?: string;
  /** A client certificate (PEM, with its chain) for servers that ask for one; needs `key`. */
  cert?: string | Uint8Array | ReadonlyArray<string | Uint8Array>;
  /** The private key of `cert` (PEM); needs `cert`. */
  key?: string | Uint8Array | ReadonlyArray<string | Uint8Array>;
  /** The passphrase of an encrypted `key`. */
  passphrase?: string;
}

const TLS_KEYS = ["ca", "rejectUnauthorized", "servername", "cert", "key", "passphrase"] as const;
const TLS_HINTS: ReadonlyMap<string, string> = new Map([
  ["verify", "did you mean rejectUnauthorized?"],
  ["insecure", "did you mean rejectUnauthorized: false?"],
  ["sni", "did you mean servername?"],
  ["pfx", "CIO takes PEM: cert and key"],
]);

/**
 * Settings of the CIO engine, set in `config.engine((cio) => { ... })`. Every setter checks its value
 * at once and throws a `TypeError` / `RangeError` naming the setting; the engine checks them all
 * again when the client is built (for `tls` changed in place).
 */
export class CioEngineConfig {
  #connectTimeoutMillis = DEFAULT_CONNECT_TIMEOUT_MILLIS;
  #tls: CioTlsConfig = {};
  #responseHead: ResponseHeadLimits = DEFAULT_RESPONSE_HEAD_LIMITS;
  #proxy: CioProxyConfig = "env";
  #followRedirects: boolean | number = false;

  /**
   * Time for TCP, the proxy tunnel, TLS and the HTTP upgrade together (and every redirect), in
   * milliseconds (default 15 000). A `ConnectTimeoutError` names this value when it runs out.
   */
  get connectTimeoutMillis(): number {
    return this.#connectTimeoutMillis;
  }

  /** Takes a finite number of milliseconds > 0; for a duration such as "5s", set `connectTimeout`. */
  set connectTimeoutMillis(millis: number) {
    this.#connectTimeoutMillis = CHECKS.connectTimeoutMillis(millis);
  }

  /** `connectTimeoutMillis` as a duration: reads as milliseconds. */
  get connectTimeout(): number {
    return this.#connectTimeoutMillis;
  }

  /** Takes a duration > 0: "5s", "500ms", "1m", or a number of milliseconds. */
  set connectTimeout(timeout: Duration) {
    this.#connectTimeoutMillis = checkDuration(timeout, "cio.connectTimeout");
  }

  /**
   * TLS settings for `wss:` (and for an `https:` proxy): trusted CAs, verification, server name.
   * The object itself is kept, so `cio.tls.ca = pem` works too.
   */
  get tls(): CioTlsConfig {
    return this.#tls;
  }

  /** Takes an object with only `ca`, `rejectUnauthorized` and `servername`, each optional. */
  set tls(tls: CioTlsConfig) {
    this.#tls = CHECKS.tls(tls);
  }

  /** Limits on the handshake response's head (and on a proxy's answer to CONNECT); read-only once set. */
  get responseHead(): ResponseHeadLimits {
    return this.#responseHead;
  }

  /** Takes `{ maxBytes, maxHeaders }`, whole numbers >= 1; one left out keeps its default (16 KiB, 100). */
  set responseHead(limits: Partial<ResponseHeadLimits>) {
    this.#responseHead = CHECKS.responseHead(limits);
  }

  /** An HTTP CONNECT proxy: a URL, `"env"` (the default: the `*_PROXY` variables) or null for none. */
  get proxy(): CioProxyConfig {
    return this.#proxy;
  }

  /** Takes an `http:` / `https:` proxy URL (a string or a `URL`), `"env"` or null; the URL is parsed at once. */
  set proxy(proxy: CioProxyConfig) {
    this.#proxy = CHECKS.proxy(proxy);
  }

  /**
   * Follow redirects (301, 302, 303, 307, 308) of the upgrade request: false (the default; the 3xx
   * answer fails with `WebSocketHandshakeError` carrying its status and `Location`), true for at most
   * 5 hops, or the most hops to follow. A redirect from `wss:` to `ws:` is refused, and
   * `Authorization` and URL credentials are dropped when the origin changes.
   */
  get followRedirects(): boolean | number {
    return this.#followRedirects;
  }

  /** Takes true, false or a whole number of hops >= 0. */
  set followRedirects(follow: boolean | number) {
    this.#followRedirects = CHECKS.followRedirects(follow);
  }
}

/**
 * @internal Checks a whole CIO configuration, as the engine does when it is built: the setters
 * checked each value, but `tls` may have been changed in place since (or the object may not be a
 * `CioEngineConfig` at all).
 */
export function checkCioConfig(config: CioEngineConfig): void {
  if (config === null || typeof config !== "object") throw typeError("CioEngine's config", "a CioEngineConfig", config);
  checkSettings(config, CHECKS);
}

/** Each setting's check, for its setter and for `checkCioConfig`. */
const CHECKS = {
  connectTimeoutMillis: (millis: number) => checkMillis(millis, "cio.connectTimeoutMillis", "cio.connectTimeout"),
  tls: checkTls,
  responseHead: checkResponseHead,
  proxy: checkProxy,
  followRedirects: checkFollowRedirects,
} satisfies SettingChecks<CioEngineConfig>;

function checkTls(tls: CioTlsConfig): CioTlsConfig {
  if (!isOptionsObject(tls)) throw typeError("cio.tls", "an object { ca, rejectUnauthorized, servername, cert, key, passphrase }", tls);
  checkKeys(tls, "cio.tls", TLS_KEYS, TLS_HINTS);
  const { ca, rejectUnauthorized, servername, cert, key, passphrase } = tls;
  checkPem(ca, "cio.tls.ca");
  checkPem(cert, "cio.tls.cert");
  checkPem(key, "cio.tls.key");
  if ((cert === undefined) !== (key === undefined)) {
    throw new TypeError(`cio.tls.cert and cio.tls.key go together (the certificate and its private key); got only ${cert === undefined ? "key" : "cert"}`);
  }
  if (passphrase !== undefined && typeof passphrase !== "string") throw typeError("cio.tls.passphrase", "a string", passphrase);
  if (rejectUnauthorized !== undefined && typeof rejectUnauthorized !== "boolean") {
    throw typeError("cio.tls.rejectUnauthorized", "true or false", rejectUnauthorized);
  }
  if (servername !== undefined && (typeof servername !== "string" || !/^[^\s\p{Cc}]+$/u.test(servername))) {
    throw typeError("cio.tls.servername", "a host name (a non-empty string without whitespace)", servername);
  }
  return tls;
}

/** PEM text, a Uint8Array of it, or an array of them; absent is fine. */
function checkPem(value: unknown, name: string): void {
  if (value === undefined) return;
  const isPem = (item: unknown): boolean => typeof item === "string" || item instanceof Uint8Array;
  if (!(isPem(value) || (Array.isArray(value) && (value as readonly unknown[]).every(isPem)))) {
    throw typeError(name, "PEM text, a Uint8Array of it, or an array of them", value);
  }
}

function checkResponseHead(limits: Partial<ResponseHeadLimits>): ResponseHeadLimits {
  if (!isOptionsObject(limits)) throw typeError("cio.responseHead", "an object { maxBytes, maxHeaders }", limits);
  checkKeys(limits, "cio.responseHead", ["maxBytes", "maxHeaders"]);
  const { maxBytes = DEFAULT_RESPONSE_HEAD_LIMITS.maxBytes, maxHeaders = DEFAULT_RESPONSE_HEAD_LIMITS.maxHeaders } = limits;
  return Object.freeze({
    maxBytes: checkWhole(maxBytes, "cio.responseHead.maxBytes", 1, "bytes"),
    maxHeaders: checkWhole(maxHeaders, "cio.responseHead.maxHeaders", 1, "header fields"),
  });
}

function checkProxy(proxy: CioProxyConfig): CioProxyConfig {
  if (proxy === null || proxy === "env") return proxy;
  if (typeof proxy !== "string" && !(proxy instanceof URL)) {
    throw typeError("cio.proxy", 'an http: or https: proxy URL (a string or a URL), "env" or null', proxy);
  }
  try {
    parseProxyUrl(proxy, "cio.proxy");
  } catch (error) {
    // The proxy URL is quoted without its credentials.
    const shown = typeof proxy === "string" ? maskCredentials(proxy) : maskCredentials(proxy.href);
    throw new TypeError(`${(error as Error).message}; got ${describeValue(shown)}`, { cause: error });
  }
  return proxy;
}

function checkFollowRedirects(follow: boolean | number): boolean | number {
  const expected = "true, false or a whole number of hops >= 0";
  if (typeof follow === "boolean") return follow;
  if (typeof follow !== "number") throw typeError("cio.followRedirects", expected, follow);
  if (!Number.isSafeInteger(follow) || follow < 0) throw rangeError("cio.followRedirects", expected, follow);
  return follow;
}
