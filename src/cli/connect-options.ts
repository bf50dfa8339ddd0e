import { RESERVED_HEADERS, resolveTarget, type WebSocketRequestOptions } from "../client/target.js";
import { readFileSync } from "node:fs";
import { Buffer } from "node:buffer";
import { CloseReason, MAX_CLOSE_MESSAGE_BYTES } from "../protocol/close-reason.js";
import { CONNECT_FLAGS } from "./connect-flags.js";
import { parseArgsOptions, valueHints } from "./flag-table.js";
import {
  UsageError,
  normalizeUrl,
  parseSize,
  wrongValue,
  parseBinaryEncoding,
  parseCommandLine,
  parseCount,
  parseDuration,
  parseHeader,
  type BinaryEncoding,
} from "./args.js";

/** How `kite connect` speaks TLS (`wss:`): the checked TLS flags, files already read. */
export interface TlsOptions {
  /** `-k`: no verification of the server's certificate. */
  readonly insecure: boolean;
  readonly ca: string | null;
  /** `--cert` and `--key`: a client certificate, for servers that ask for one. */
  readonly cert: string | null;
  readonly key: string | null;
  readonly servername: string | null;
}

/** `kite connect`'s options, as `parseArgs` takes them. */
export const CONNECT_OPTIONS = parseArgsOptions(CONNECT_FLAGS);
const OPTIONS = CONNECT_OPTIONS;

/** `kite connect` settings, checked. */
export interface ConnectOptions {
  readonly target: WebSocketRequestOptions;
  /** The URL as it will be requested, for messages, without its credentials (they would land in logs). */
  readonly href: string;
  readonly pingMillis: number | null;
  readonly connectTimeoutMillis: number | null;
  /** How long to wait for the server's answer to our Close (`--close-timeout`), or null for the session's own deadline. */
  readonly closeTimeoutMillis: number | null;
  /** The Close we send at the end (`--close-code`, `--close-reason`). */
  readonly closeCode: number;
  readonly closeReason: string;
  readonly waitMillis: number;
  readonly binary: BinaryEncoding | null;
  /** With `-b raw`: the most bytes one stdin read becomes in one message. */
  readonly chunkBytes: number;
  /** `-0`: messages are separated by NUL, in and out. */
  readonly nul: boolean;
  /** `--slash`: lines starting with "/" are commands even when stdin is not a terminal. */
  readonly slash: boolean;
  /** `--json`: JSON Lines events on stdout. */
  readonly json: boolean;
  /** `--pretty`: text messages that are JSON are pretty-printed. */
  readonly pretty: boolean;
  /** `-x` messages to send instead of reading stdin, or null to read stdin. */
  readonly execute: readonly string[] | null;
  /** `--preamble` messages, sent first on every connection. */
  readonly preamble: readonly string[];
  /** `-1`: close after the first message received. */
  readonly oneMessage: boolean;
  readonly tls: TlsOptions;
  /** `--proxy` URL, null for `--no-proxy`, or "env" for the environment's. */
  readonly proxy: string | null | "env";
  /** `-L`: follow redirects. */
  readonly followRedirects: boolean;
  readonly noColor: boolean;
  readonly quiet: boolean;
  /** Log the connection on stderr (`--verbose`). */
  readonly verbose: boolean;
  /** Reconnect when the connection is lost (`--reconnect`). */
  readonly reconnect: boolean;
  /** `--max-attempts`, or null for no limit. */
  readonly maxAttempts: number | null;
}

/** 64 KiB: what one read of a pipe gives at most on Linux, and a frame size every server takes. */
export const DEFAULT_CHUNK_BYTES = 64 * 1024;

/**
 * What to use instead of each header the handshake writes itself (`RESERVED_HEADERS`). The library
 * refuses them too, but its message names API options; a CLI user needs the flag.
 */
export const HANDSHAKE_HEADER_HINTS: ReadonlyMap<string, string> = new Map([
  ["sec-websocket-protocol", "use -s / --subprotocol <name> to offer a subprotocol (repeatable, preferred first)"],
  ["sec-websocket-extensions", "the handshake sets it itself (kite connect offers no extensions)"],
  ["sec-websocket-key", "the handshake sets it itself (a fresh random key for each connection)"],
  ["sec-websocket-version", "the handshake sets it itself (always 13)"],
  ["sec-websocket-accept", "a response header, sent by the server"],
  ["upgrade", "the handshake sets it itself (Upgrade: websocket)"],
  ["connection", "the handshake sets it itself (Connection: Upgrade)"],
]);

/** Refuses a `-H` the handshake owns, before connecting, naming the flag to use instead. */
function checkHandshakeHeader([name, value]: [string, string]): [string, string] {
  const lower = name.toLowerCase();
  if (RESERVED_HEADERS.has(lower)) {
    throw new UsageError(`-H ${name}: ${HANDSHAKE_HEADER_HINTS.get(lower) ?? "the handshake sets it itself"}`, "connect");
  }
  return [name, value];
}

/** `kite connect`'s command line, checked: its settings, or "help"; a `UsageError` for anything wrong. */
export function parseConnectOptions(args: readonly string[]): ConnectOptions | "help" {
  const { values, positionals } = parseCommandLine(args, OPTIONS, "connect", valueHints(CONNECT_FLAGS));
  const text = (name: string): string | undefined => values[name] as string | undefined;
  const list = (name: string): string[] => (values[name] as string[] | undefined) ?? [];
  const on = (name: string): boolean => values[name] === true;
  if (on("help")) return "help";
  // The options' values are checked first: an option that swallowed the URL is what to report.
  const headers = list("header").map((header) => checkHandshakeHeader(parseHeader(header, "connect")));
  const duration = (name: string): number | null => {
    const value = text(name);
    return value === undefined ? null : parseDuration(value, `--${name}`, "connect");
  };
  const connectTimeout = duration("connect-timeout");
  if (connectTimeout === 0) throw new UsageError("--connect-timeout must be more than 0", "connect");
  const closeTimeout = duration("close-timeout");
  if (closeTimeout === 0) throw new UsageError("--close-timeout must be more than 0", "connect");
  const maxAttempts = text("max-attempts") === undefined ? null : parseCount(text("max-attempts")!, "--max-attempts", "connect");
  const binary = text("binary") === undefined ? null : parseBinaryEncoding(text("binary")!, "connect");
  const chunkBytes = text("chunk") === undefined ? DEFAULT_CHUNK_BYTES : parseSize(text("chunk")!, "--chunk", "connect");
  const closeCode = text("close-code") === undefined ? CloseReason.Codes.NORMAL : parseCloseCode(text("close-code")!);
  const closeReason = text("close-reason") ?? "";
  if (Buffer.byteLength(closeReason) > MAX_CLOSE_MESSAGE_BYTES) throw wrongValue("--close-reason", `a text of at most ${MAX_CLOSE_MESSAGE_BYTES} UTF-8 bytes`, closeReason, "connect");
  const tls = parseTlsOptions(text, on);
  if (text("proxy") !== undefined) checkProxyUrl(text("proxy")!);

  if (positionals.length === 0) throw new UsageError("missing <url>", "connect");
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`, "connect");
  const target: WebSocketRequestOptions = { url: normalizeUrl(positionals[0]), headers, protocols: list("subprotocol") };
  let href: string;
  try {
    // The library's own check, run before connecting so a bad URL or header is a usage error (2).
    const url = new URL(resolveTarget(target, { maxFrameSize: 1 }).url);
    if (url.password !== "") url.password = "***";
    href = url.href;
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message, "connect");
    throw error;
  }
  const options: ConnectOptions = {
    target,
    href,
    pingMillis: duration("ping") || null,
    connectTimeoutMillis: connectTimeout,
    closeTimeoutMillis: closeTimeout,
    closeCode,
    closeReason,
    waitMillis: duration("wait") ?? 0,
    binary,
    chunkBytes,
    nul: on("null"),
    slash: on("slash"),
    json: on("json"),
    pretty: on("pretty"),
    execute: text("execute") === undefined ? null : list("execute"),
    preamble: list("preamble"),
    oneMessage: on("one-message"),
    tls,
    proxy: on("no-proxy") ? null : (text("proxy") ?? "env"),
    followRedirects: on("location"),
    noColor: on("no-color"),
    quiet: on("quiet"),
    verbose: on("verbose"),
    reconnect: on("reconnect"),
    maxAttempts,
  };
  checkCombinations(options, { chunk: text("chunk") !== undefined, proxy: text("proxy") !== undefined, noProxy: on("no-proxy") });
  return options;
}

/** A close code kite may send: 1000, or one for applications (3000-4999); the others say what went wrong, which kite does not know. */
export function isKiteCloseCode(code: number): boolean {
  return code === 1000 || (code >= 3000 && code <= 4999);
}

function parseCloseCode(text: string): number {
  const code = /^\s*\d{4}\s*$/.test(text) ? Number(text) : NaN;
  if (!isKiteCloseCode(code)) throw wrongValue("--close-code", "a close code: 1000, or 3000 to 4999", text, "connect");
  return code;
}

function checkProxyUrl(text: string): void {
  let url: URL | null = null;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    // Reported below.
  }
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw wrongValue("--proxy", "an http:// or https:// proxy URL", text.replace(/\/\/[^@/]*@/, "//***@"), "connect");
  }
}

/** Reads a PEM file for a TLS flag: an unreadable file is the flag's mistake, so a usage error. */
function readPem(path: string, option: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`${option} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, "connect");
  }
}

function parseTlsOptions(text: (name: string) => string | undefined, on: (name: string) => boolean): TlsOptions {
  const file = (name: string): string | null => {
    const path = text(name);
    return path === undefined ? null : readPem(path, `--${name}`);
  };
  const servername = text("servername") ?? null;
  if (servername !== null && !/^[^\s\p{Cc}]+$/u.test(servername)) throw wrongValue("--servername", "a host name", servername, "connect");
  return { insecure: on("insecure"), ca: file("ca"), cert: file("cert"), key: file("key"), servername };
}

/** The flags that cannot work together, refused before anything connects. */
function checkCombinations(options: ConnectOptions, given: { chunk: boolean; proxy: boolean; noProxy: boolean }): void {
  const refuse = (message: string): never => {
    throw new UsageError(message, "connect");
  };
  const raw = options.binary === "raw";
  if (raw && options.json) refuse("-b raw writes messages as bytes and --json as JSON Lines: choose one (--json shows binary messages in base64)");
  if (raw && options.nul) refuse("-b raw reads and writes bytes, not NUL-separated messages: drop -0");
  if (raw && options.slash) refuse("-b raw reads bytes, not lines: --slash has no lines to read commands from");
  if (raw && options.pretty) refuse("-b raw writes messages as bytes: --pretty has nothing to format");
  if (raw && options.execute !== null) refuse("-x sends text messages; -b raw sends stdin's bytes: choose one");
  if (given.chunk && !raw) refuse("--chunk goes with -b raw");
  if (options.json && options.pretty) refuse("--json prints messages as JSON strings: --pretty cannot go with it");
  if (options.maxAttempts !== null && !options.reconnect) refuse("--max-attempts goes with --reconnect");
  if (options.verbose && options.quiet) refuse("--verbose and --quiet cannot go together");
  if (given.proxy && given.noProxy) refuse("--proxy and --no-proxy cannot go together");
  if ((options.tls.cert === null) !== (options.tls.key === null)) refuse("--cert and --key go together: the certificate and its private key");
  if (options.tls.insecure && options.tls.ca !== null) refuse("-k verifies nothing, so --ca would not be used: choose one");
  const tlsFlag = options.tls.insecure ? "-k" : options.tls.ca !== null ? "--ca" : options.tls.cert !== null ? "--cert" : options.tls.servername !== null ? "--servername" : null;
  if (tlsFlag !== null && !options.href.startsWith("wss:") && !options.followRedirects) {
    refuse(`${tlsFlag} is for wss:// URLs (TLS); ${options.href} is not one`);
  }
}
