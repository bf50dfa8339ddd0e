import { RESERVED_HEADERS, resolveTarget, type WebSocketRequestOptions } from "../client/target.js";
import {
  UsageError,
  normalizeUrl,
  parseBinaryEncoding,
  parseCommandLine,
  parseCount,
  parseDuration,
  parseHeader,
  type BinaryEncoding,
} from "./args.js";

/** The options `kite connect` takes (its usage text documents them). */
const OPTIONS = {
  header: { type: "string", short: "H", multiple: true },
  subprotocol: { type: "string", short: "s", multiple: true },
  ping: { type: "string" },
  "connect-timeout": { type: "string" },
  "close-timeout": { type: "string" },
  reconnect: { type: "boolean" },
  "max-attempts": { type: "string" },
  wait: { type: "string", short: "w" },
  binary: { type: "string" },
  json: { type: "boolean" },
  "no-color": { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** `kite connect` settings, checked. */
export interface ConnectOptions {
  readonly target: WebSocketRequestOptions;
  /** The URL as it will be requested, for messages, without its credentials (they would land in logs). */
  readonly href: string;
  readonly pingMillis: number | null;
  readonly connectTimeoutMillis: number | null;
  /** How long to wait for the server's answer to our Close (`--close-timeout`), or null for the session's own deadline. */
  readonly closeTimeoutMillis: number | null;
  readonly waitMillis: number;
  readonly binary: BinaryEncoding | null;
  readonly json: boolean;
  readonly noColor: boolean;
  readonly quiet: boolean;
  /** Log the connection on stderr (`--verbose`). */
  readonly verbose: boolean;
  /** Reconnect when the connection is lost (`--reconnect`). */
  readonly reconnect: boolean;
  /** `--max-attempts`, or null for no limit. */
  readonly maxAttempts: number | null;
}

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
  const { values, positionals } = parseCommandLine(args, OPTIONS, "connect");
  if (values.help) return "help";
  if (positionals.length === 0) throw new UsageError("missing <url>", "connect");
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`, "connect");
  const headers = (values.header ?? []).map((header) => checkHandshakeHeader(parseHeader(header, "connect")));
  const protocols = values.subprotocol ?? [];
  const target: WebSocketRequestOptions = { url: normalizeUrl(positionals[0]), headers, protocols };
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
  const connectTimeout = values["connect-timeout"] === undefined ? null : parseDuration(values["connect-timeout"], "--connect-timeout", "connect");
  if (connectTimeout === 0) throw new UsageError("--connect-timeout must be more than 0", "connect");
  const closeTimeout = values["close-timeout"] === undefined ? null : parseDuration(values["close-timeout"], "--close-timeout", "connect");
  if (closeTimeout === 0) throw new UsageError("--close-timeout must be more than 0", "connect");
  const reconnect = values.reconnect === true;
  const maxAttempts = values["max-attempts"] === undefined ? null : parseCount(values["max-attempts"], "--max-attempts", "connect");
  if (maxAttempts !== null && !reconnect) throw new UsageError("--max-attempts goes with --reconnect", "connect");
  if (values.verbose === true && values.quiet === true) throw new UsageError("--verbose and --quiet cannot go together", "connect");
  return {
    target,
    href,
    pingMillis: values.ping === undefined ? null : parseDuration(values.ping, "--ping", "connect") || null,
    connectTimeoutMillis: connectTimeout,
    closeTimeoutMillis: closeTimeout,
    waitMillis: values.wait === undefined ? 0 : parseDuration(values.wait, "--wait", "connect"),
    binary: values.binary === undefined ? null : parseBinaryEncoding(values.binary, "connect"),
    json: values.json === true,
    noColor: values["no-color"] === true,
    quiet: values.quiet === true,
    verbose: values.verbose === true,
    reconnect,
    maxAttempts,
  };
}
