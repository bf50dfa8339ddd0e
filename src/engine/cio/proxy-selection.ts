import { isIP } from "node:net";
import { defaultPort } from "../connect-error.js";
import { URL_LIKE } from "../config-checks.js";

/**
 * Where CIO's connections go through an HTTP CONNECT proxy:
 *
 * - a proxy URL, `"http://user:pass@proxy.example:3128"` (credentials become `Proxy-Authorization:
 *   Basic`; an `https:` URL speaks TLS to the proxy too), used for every connection;
 * - `"env"` (the default): `HTTPS_PROXY` for `wss:`, `HTTP_PROXY` for `ws:` (lowercase names first),
 *   except for hosts that `NO_PROXY` lists and for loopback hosts (localhost, 127.0.0.0/8, ::1); a
 *   variable the runtime does not let the program read (Deno without `--allow-env`) counts as unset;
 * - `null`: never.
 */
export type CioProxyConfig = string | URL | "env" | null;

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
  const port = Number(target.port) || defaultPort(target);
  if (isLoopback(host)) return null;
  const [, noProxy] = firstSet(env, ["no_proxy", "NO_PROXY"]);
  if (noProxy !== undefined && matchesNoProxy(host, port, noProxy)) return null;
  return parseProxyUrl(value, name);
}

/** A proxy URL: `http:` or `https:`; a value without a scheme ("proxy:3128") is taken as `http:`. */
export function parseProxyUrl(value: string | URL, what: string): URL {
  let url: URL;
  try {
    url = new URL(typeof value === "string" && !URL_LIKE.test(value) ? `http://${value}` : value);
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

function firstSet(env: ProxyEnvironment, names: readonly string[]): [string, string | undefined] {
  for (const name of names) {
    const value = readVariable(env, name)?.trim();
    if (value) return [name, value];
  }
  return [names[names.length - 1], undefined];
}

/**
 * A variable of `env`, or undefined where the runtime forbids reading it: Deno without
 * `--allow-env` throws `NotCapable` from `process.env`, and a program not allowed to see its
 * environment has no proxy there (rather than every connection failing on the read).
 */
function readVariable(env: ProxyEnvironment, name: string): string | undefined {
  try {
    return env[name];
  } catch {
    return undefined;
  }
}

/** A host without the brackets of an IPv6 address. */
export function bareHost(host: string): string {
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
