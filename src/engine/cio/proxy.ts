import { connect as connectTcp, isIP, type Socket } from "node:net";
import { connectTls } from "./lazy-tls.js";
import { Buffer } from "node:buffer";
import { ResponseHeadParser, type ResponseHeadLimits } from "../../http/response-head.js";
import { WebSocketHandshakeError, type HandshakeResponse, type WebSocketErrorCode, type WebSocketErrorOptions } from "../../errors.js";
import type { CioProxyConfig, CioTlsConfig } from "./cio-config.js";
import { describeConnectFailure } from "../connect-error.js";

/**
 * An HTTP CONNECT proxy refused the tunnel (its answer's `status` and `headers` are here: 407 when it
 * wants credentials), answered in a way that is not HTTP, or could not be reached.
 */
export class ProxyConnectError extends WebSocketHandshakeError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_PROXY_CONNECT";
  /** The proxy, as `host:port` (never with its credentials). */
  readonly proxy: string;
  constructor(message: string, proxy: string, response: HandshakeResponse | null = null, options?: WebSocketErrorOptions) {
    super(message, response, "", options);
    this.proxy = proxy;
  }
}

/** The environment variables read for `proxy: "env"`. */
export type ProxyEnvironment = Readonly<Record<string, string | undefined>>;

/**
 * The proxy for a connection to `target` (a `ws:` / `wss:` URL), or null for a direct connection.
 * @throws TypeError when the configured or environment proxy is not an `http:` / `https:` URL.
 */
export function resolveProxy(config: CioProxyConfig, target: URL, env: ProxyEnvironment = process.env): URL | null {
  if (config === null) return null;
  if (config !== "env") return parseProxyUrl(config, "cio.proxy");
  const secure = target.protocol === "wss:";
  const [name, value] = firstSet(env, secure ? ["https_proxy", "HTTPS_PROXY"] : ["http_proxy", "HTTP_PROXY"]);
  if (value === undefined) return null;
  const host = bareHost(target.hostname);
  const port = Number(target.port) || (secure ? 443 : 80);
  if (isLoopback(host)) return null;
  const [, noProxy] = firstSet(env, ["no_proxy", "NO_PROXY"]);
  if (noProxy !== undefined && matchesNoProxy(host, port, noProxy)) return null;
  return parseProxyUrl(value, name);
}

/** A proxy URL: `http:` or `https:`; a value without a scheme ("proxy:3128") is taken as `http:`. */
export function parseProxyUrl(value: string | URL, what: string): URL {
  let url: URL;
  try {
    url = new URL(typeof value === "string" && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? `http://${value}` : value);
  } catch {
    throw new TypeError(`${what} is not a valid proxy URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`${what} must be an http: or https: proxy URL (HTTP CONNECT), not ${url.protocol}`);
  }
  return url;
}

/**
 * Whether `NO_PROXY` exempts `host:port`. Entries are separated by commas or spaces:
 * `*` exempts every host; `example.com` the host and its subdomains; `.example.com` (or
 * `*.example.com`) its subdomains only; `host:port` / `[::1]:8080` only that port; an IPv4 CIDR
 * range (`10.0.0.0/8`) the addresses in it. Names are compared without case.
 */
export function matchesNoProxy(host: string, port: number, noProxy: string): boolean {
  const name = bareHost(host).toLowerCase().replace(/\.$/, "");
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") return true;
    const { host: entryHost, port: entryPort } = splitEntry(entry);
    if (entryPort !== null && entryPort !== port) continue;
    if (entryHost.includes("/")) {
      if (inCidr(name, entryHost)) return true;
      continue;
    }
    if (entryHost.startsWith("*.") || entryHost.startsWith(".")) {
      const suffix = entryHost.slice(entryHost.indexOf("."));
      if (name.endsWith(suffix) && name.length > suffix.length) return true;
      continue;
    }
    if (name === entryHost || name.endsWith(`.${entryHost}`)) return true;
  }
  return false;
}

/** @internal Settings `openTunnel` takes from the CIO engine's configuration. */
export interface TunnelOptions {
  readonly responseHead: ResponseHeadLimits;
  /** For an `https:` proxy: which CAs to trust, and whether to verify it. */
  readonly tls: CioTlsConfig;
}

/**
 * @internal Opens a tunnel to `target` through `proxy` (HTTP CONNECT, RFC 9110 §9.3.6) and resolves with the
 * socket, ready for the target's bytes (TLS, then the upgrade). The proxy URL's credentials go as
 * `Proxy-Authorization: Basic`. Rejects with `ProxyConnectError`; the caller bounds the time and
 * destroys the socket it gets through `onSocket` when giving up.
 */
export function openTunnel(proxy: URL, target: URL, options: TunnelOptions, onSocket: (socket: Socket) => void): Promise<Socket> {
  const proxyHost = bareHost(proxy.hostname);
  const proxyPort = Number(proxy.port) || (proxy.protocol === "https:" ? 443 : 80);
  const proxyName = `${proxy.hostname}:${proxyPort}`;
  const targetPort = Number(target.port) || (target.protocol === "wss:" ? 443 : 80);
  const authority = `${target.hostname}:${targetPort}`; // hostname keeps an IPv6 address's brackets
  const socket =
    proxy.protocol === "https:"
      ? connectTls({
          host: proxyHost,
          port: proxyPort,
          servername: isIP(proxyHost) ? undefined : proxyHost,
          ca: options.tls.ca as string | Buffer | Array<string | Buffer> | undefined,
          rejectUnauthorized: options.tls.rejectUnauthorized ?? true,
          ALPNProtocols: ["http/1.1"],
        })
      : connectTcp({ host: proxyHost, port: proxyPort });
  onSocket(socket);
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  const hasCredentials = proxy.username !== "" || proxy.password !== "";
  if (hasCredentials) {
    const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    lines.push(`Proxy-Authorization: Basic ${Buffer.from(credentials, "utf8").toString("base64")}`);
  }
  socket.write(lines.join("\r\n") + "\r\n\r\n");

  return new Promise((resolve, reject) => {
    const parser = new ResponseHeadParser(options.responseHead);
    const cleanup = (): void => {
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("close", onClose);
    };
    const fail = (error: Error): void => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onError = (error: Error): void => {
      const reason = describeConnectFailure(error, { url: proxy, engine: "cio", peer: "proxy" });
      fail(new ProxyConnectError(`Could not reach the proxy ${proxyName}: ${reason.text}`, proxyName, null, { cause: error }));
    };
    const onClose = (): void => fail(new ProxyConnectError(`The proxy ${proxyName} closed the connection before answering CONNECT`, proxyName));
    const onData = (chunk: Buffer): void => {
      let parsed;
      try {
        parsed = parser.push(chunk);
      } catch (error) {
        fail(new ProxyConnectError(`The proxy ${proxyName} answered CONNECT with no valid HTTP head: ${(error as Error).message}`, proxyName, null, { cause: error }));
        return;
      }
      if (parsed === null) return;
      const { head, rest } = parsed;
      const response = head.toResponse();
      if (head.status === 407) {
        fail(
          new ProxyConnectError(
            `The proxy ${proxyName} wants authentication (407 Proxy Authentication Required): ` +
              (hasCredentials ? "it refused the credentials of the proxy URL" : "give credentials in the proxy URL, http://user:password@host:port"),
            proxyName,
            response,
          ),
        );
        return;
      }
      if (head.status < 200 || head.status > 299) {
        fail(new ProxyConnectError(`The proxy ${proxyName} refused CONNECT ${authority}: ${head.status} ${head.statusText}`.trim(), proxyName, response));
        return;
      }
      cleanup();
      socket.pause();
      if (rest.length > 0) socket.unshift(Buffer.from(rest));
      resolve(socket);
    };
    socket.on("data", onData);
    socket.on("error", onError);
    socket.on("close", onClose);
  });
}

function firstSet(env: ProxyEnvironment, names: readonly string[]): [string, string | undefined] {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return [name, value];
  }
  return [names[names.length - 1], undefined];
}

/** A host without the brackets of an IPv6 address. */
function bareHost(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function isLoopback(host: string): boolean {
  const name = host.toLowerCase();
  if (name === "localhost" || name.endsWith(".localhost") || name === "::1") return true;
  return isIP(name) === 4 && name.startsWith("127.");
}

function splitEntry(entry: string): { host: string; port: number | null } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1], port: bracketed[2] === undefined ? null : Number(bracketed[2]) };
  const withPort = /^([^:]+):(\d+)$/.exec(entry);
  if (withPort) return { host: withPort[1], port: Number(withPort[2]) };
  return { host: entry, port: null };
}

function inCidr(host: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split("/");
  const bits = Number(bitsText);
  if (isIP(host) !== 4 || isIP(base) !== 4 || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((ipv4(host) & mask) >>> 0) === ((ipv4(base) & mask) >>> 0);
}

function ipv4(address: string): number {
  return address.split(".").reduce((value, part) => ((value << 8) | Number(part)) >>> 0, 0);
}
