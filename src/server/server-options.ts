import type { SlowSubscriberPolicy } from "./topics.js";
import { checkChoice } from "../util/checks.js";
import type { ServerOptions as HttpsServerOptions } from "node:https";
import type { ChannelConfig } from "../session/channel.js";
import type { WebSocketContentConverter } from "../serialization/converter.js";
import type { WebSocketServerRequest } from "./server-request.js";
import { DEFAULT_CHANNEL, DEFAULT_MAX_FRAME_SIZE } from "../session/websocket-session.js";
import { checkChannel, defaultTimeoutMillis } from "../session/session-settings.js";
import type { Duration } from "../util/duration.js";
import { rangeError, typeError } from "../util/describe-value.js";
import { checkDuration, checkMillis, checkWhole, type DurationBounds } from "../engine/config-checks.js";
import { WebSocketExtensionsConfig } from "../extensions/extensions-config.js";
import type { ServerExtension } from "../extensions/extension.js";
import { checkBackplane, type Backplane } from "./backplane.js";

/**
 * Which browser origins may open sessions: a list of serialized origins (`"https://app.example.com"`,
 * compared case-insensitively), or a function that decides. With a list, a request without an
 * `Origin` header is refused; a function sees `undefined` and decides itself. Refused requests get 403.
 */
export type OriginPolicy =
  | readonly string[]
  | ((origin: string | undefined, request: WebSocketServerRequest) => boolean);

/**
 * Picks the subprotocol for a request from those the client offered (in the client's order): one of
 * `offered`, or null for none. Used for routes that declare no `protocols` of their own.
 */
export type ProtocolSelector = (offered: readonly string[], request: WebSocketServerRequest) => string | null;

/** Told about errors that have no caller to go to: a handler that threw, a failing hook. */
export type ServerErrorHandler = (error: unknown, request: WebSocketServerRequest | null) => void;

/**
 * Settings of WebSocket routes, for `webSocketRoutes(configure, options)` and `serve(options, configure)`.
 * A duration `x` is milliseconds or text ("500ms", "20s", "1m", "1h"); its twin `xMillis` takes a
 * number only. Give one of the two.
 */
export interface WebSocketServerOptions {
  /** Interval between the server's pings; null or 0 for none (the default). */
  readonly pingInterval?: Duration | null;
  /** `pingInterval` as a number of milliseconds. */
  readonly pingIntervalMillis?: number | null;
  /** Pong and close handshake deadline; by default twice the ping interval, or 15 s without pings. */
  readonly timeout?: Duration;
  /** `timeout` as a number of milliseconds. */
  readonly timeoutMillis?: number;
  /** Largest frame received or sent, in bytes (default 100 MiB). */
  readonly maxFrameSize?: number;
  /** Largest reassembled message, in bytes (default: `maxFrameSize`). */
  readonly maxMessageSize?: number;
  /** Bounds of each session's channels (default: 64 frames each, "suspend"). */
  readonly channels?: {
    /** Bound of `incoming` (received frames not yet taken); a full one stops reading with "suspend". */
    readonly incoming?: ChannelConfig;
    /** Bound of `outgoing` (frames queued to send); a full one makes `send` wait with "suspend". */
    readonly outgoing?: ChannelConfig;
  };
  /** Serialization for `sendSerialized` / `receiveDeserialized`, e.g. `new JsonConverter()`. */
  readonly contentConverter?: WebSocketContentConverter | null;
  /** Allowed origins (default: any). */
  readonly origin?: OriginPolicy;
  /** Subprotocol choice for routes without `protocols` (default: none is chosen). */
  readonly selectProtocol?: ProtocolSelector;
  /**
   * Extensions to agree with clients that offer them, as Ktor's `extensions { install(...) }`:
   * `extensions: (e) => e.install(WebSocketDeflateExtension, (d) => { d.serverNoContextTakeover = true })`.
   * Default: none (offers are ignored).
   */
  readonly extensions?: (extensions: WebSocketExtensionsConfig) => void;
  /**
   * Where errors without a caller go: a handler that threw (its session closes with 1011 either way),
   * a throwing `origin` / `selectProtocol` hook (the request gets 500). Default: `console.error`.
   * A handler that fails only because its connection ended is not reported.
   */
  readonly onError?: ServerErrorHandler;
  /**
   * Send the message of what a handler threw to the client as the 1011 close reason (at most 123
   * bytes of it). Default false: the client gets "Internal error", since an error's message may
   * carry details (paths, queries, secrets) meant for the server's logs; `onError` gets the error
   * either way.
   */
  readonly exposeErrors?: boolean;
  /**
   * What `publish` does with a subscriber whose `outgoing` is full: `"drop"` (the default) skips the
   * message for it, `"close"` closes it with 1013 (try again later). Never buffered without bound.
   */
  readonly slowSubscriber?: SlowSubscriberPolicy;
  /**
   * Most sessions open at once (whose handlers run), a whole number >= 1; default `Infinity`. Beyond
   * it an upgrade is answered `503 Service Unavailable` with `Retry-After: 2` (seconds) and no
   * upgrade; once a session ends, upgrades are accepted again.
   */
  readonly maxConnections?: number;
}

/** `serve`'s settings: where to listen, TLS, and the routes' settings. */
export interface ServeOptions extends WebSocketServerOptions {
  /** Address to listen on (default "127.0.0.1"; "0.0.0.0" or "::" for every interface). */
  readonly host?: string;
  /** Port to listen on; 0 (the default) picks a free one, see `WebSocketServer.port`. */
  readonly port?: number;
  /** Serve `wss:` with these `node:https` options (at least `key` and `cert`, or `pfx`). */
  readonly tls?: HttpsServerOptions;
  /**
   * Time a connection has to send its complete upgrade request (after TLS), default "10s"; the TLS
   * handshake gets the same time unless `tls.handshakeTimeout` says otherwise.
   */
  readonly handshakeTimeout?: Duration;
  /** `handshakeTimeout` as a number of milliseconds. */
  readonly handshakeTimeoutMillis?: number;
  /**
   * Fan-out across processes: with `redisBackplane({ url })` from `kite-ws/server/redis`, `publish`
   * on any process sharing it reaches the subscribers on every one. Started before listening and
   * closed by `close()`; its failures go to `onError`, and local delivery goes on meanwhile.
   */
  readonly backplane?: Backplane;
}

/** @internal `WebSocketServerOptions` checked, with defaults filled in. */
export interface ResolvedServerOptions {
  readonly pingIntervalMillis: number | null;
  readonly timeoutMillis: number;
  readonly maxFrameSize: number;
  readonly maxMessageSize: number;
  readonly channels: { readonly incoming: ChannelConfig; readonly outgoing: ChannelConfig };
  readonly contentConverter: WebSocketContentConverter | null;
  /** Null when every origin is allowed. */
  readonly origin: ((origin: string | undefined, request: WebSocketServerRequest) => boolean) | null;
  readonly selectProtocol: ProtocolSelector | null;
  readonly onError: ServerErrorHandler;
  /** Whether a handler's error message is sent as the 1011 reason. */
  readonly exposeErrors: boolean;
  /** Installed extensions (server side), chosen in this order. */
  readonly extensions: readonly ServerExtension[];
  readonly slowSubscriber: SlowSubscriberPolicy;
  /** Most sessions at once; `Infinity` for no limit. */
  readonly maxConnections: number;
}

/** @internal `ServeOptions` checked, with defaults filled in. */
export interface ResolvedServeOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: HttpsServerOptions | null;
  readonly handshakeTimeoutMillis: number;
  readonly backplane: Backplane | null;
  readonly routes: ResolvedServerOptions;
}

const ROUTE_KEYS: ReadonlySet<string> = new Set([
  "pingInterval",
  "pingIntervalMillis",
  "timeout",
  "timeoutMillis",
  "maxFrameSize",
  "maxMessageSize",
  "channels",
  "contentConverter",
  "origin",
  "selectProtocol",
  "onError",
  "exposeErrors",
  "extensions",
  "slowSubscriber",
  "maxConnections",
]);
const SERVE_KEYS: ReadonlySet<string> = new Set([...ROUTE_KEYS, "host", "port", "tls", "handshakeTimeout", "handshakeTimeoutMillis", "backplane"]);
const DEFAULT_HANDSHAKE_TIMEOUT_MILLIS = 10_000;

/** @internal Checks route settings at once, so a typo fails at startup rather than on the first connection. */
export function resolveServerOptions(options: WebSocketServerOptions = {}): ResolvedServerOptions {
  checkKeys(options, ROUTE_KEYS, "WebSocket server options");
  const pingIntervalMillis = durationOption(options, "pingInterval", { zero: true }, true) || null;
  const timeoutMillis = durationOption(options, "timeout") ?? defaultTimeoutMillis(pingIntervalMillis);
  const maxFrameSize = options.maxFrameSize === undefined ? DEFAULT_MAX_FRAME_SIZE : checkWhole(options.maxFrameSize, "maxFrameSize", 1, "bytes");
  const maxMessageSize = options.maxMessageSize === undefined ? maxFrameSize : checkWhole(options.maxMessageSize, "maxMessageSize", 1, "bytes");
  return {
    pingIntervalMillis,
    timeoutMillis,
    maxFrameSize,
    maxMessageSize,
    channels: resolveChannels(options.channels),
    contentConverter: resolveConverter(options.contentConverter),
    origin: resolveOrigin(options.origin),
    selectProtocol: checkOptionalFunction(options.selectProtocol, "selectProtocol"),
    onError: checkOptionalFunction(options.onError, "onError") ?? reportToConsole,
    exposeErrors: checkOptionalBoolean(options.exposeErrors, "exposeErrors") ?? false,
    extensions: resolveExtensions(options.extensions),
    slowSubscriber: options.slowSubscriber === undefined ? "drop" : checkChoice<SlowSubscriberPolicy>(options.slowSubscriber, "slowSubscriber", ["drop", "close"]),
    maxConnections: resolveMaxConnections(options.maxConnections),
  };
}

/** @internal Checks `serve`'s settings, the routes' included. */
export function resolveServeOptions(options: ServeOptions): ResolvedServeOptions {
  if (options === null || typeof options !== "object") throw new TypeError("serve() takes an options object, e.g. { host, port }");
  checkKeys(options, SERVE_KEYS, "serve() options");
  const { host = "127.0.0.1", port = 0, tls } = options;
  if (typeof host !== "string" || host === "") throw new TypeError(`host must be a non-empty string, got ${String(host)}`);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`port must be a whole number from 0 to 65535, got ${String(port)}`);
  if (tls !== undefined && tls !== null) {
    if (typeof tls !== "object") throw new TypeError("tls must be node:https server options, e.g. { key, cert }");
    if (!((tls.key && tls.cert) || tls.pfx || tls.SNICallback)) throw new TypeError("tls needs a key and a cert (or pfx, or SNICallback)");
  }
  const routeOptions: Record<string, unknown> = {};
  for (const key of ROUTE_KEYS) if (key in options) routeOptions[key] = (options as Record<string, unknown>)[key];
  return {
    host,
    port,
    tls: tls ?? null,
    handshakeTimeoutMillis: durationOption(options, "handshakeTimeout") ?? DEFAULT_HANDSHAKE_TIMEOUT_MILLIS,
    backplane: checkBackplane(options.backplane),
    routes: resolveServerOptions(routeOptions as WebSocketServerOptions),
  };
}

function checkKeys(options: object, known: ReadonlySet<string>, what: string): void {
  if (options === null || typeof options !== "object") throw new TypeError(`${what} must be an object`);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`Unknown option "${key}" in ${what}; known: ${[...known].join(", ")}`);
  }
}

/**
 * A duration option given as `name` (a `Duration`) or `nameMillis` (a number), not both; its
 * milliseconds, or null when neither is given (or, with `nullable`, when the one given is null).
 */
function durationOption(options: object, name: string, bounds: DurationBounds = {}, nullable = false): number | null {
  const record = options as Readonly<Record<string, unknown>>;
  const millisName = `${name}Millis`;
  const duration = record[name];
  const millis = record[millisName];
  if (duration !== undefined && millis !== undefined) throw new TypeError(`Give ${name} or ${millisName}, not both`);
  if (duration !== undefined) return nullable && duration === null ? null : checkDuration(duration, name, bounds);
  if (millis !== undefined) return nullable && millis === null ? null : checkMillis(millis, millisName, name, bounds);
  return null;
}

function resolveChannels(channels: WebSocketServerOptions["channels"]): ResolvedServerOptions["channels"] {
  if (channels === undefined) return { incoming: DEFAULT_CHANNEL, outgoing: DEFAULT_CHANNEL };
  if (channels === null || typeof channels !== "object") throw new TypeError("channels must be { incoming?, outgoing? }");
  return {
    incoming: channels.incoming === undefined ? DEFAULT_CHANNEL : checkChannel(channels.incoming, "channels.incoming"),
    outgoing: channels.outgoing === undefined ? DEFAULT_CHANNEL : checkChannel(channels.outgoing, "channels.outgoing"),
  };
}

function resolveConverter(converter: WebSocketContentConverter | null | undefined): WebSocketContentConverter | null {
  if (converter === undefined || converter === null) return null;
  if (typeof converter !== "object" || typeof converter.serialize !== "function" || typeof converter.deserialize !== "function") {
    throw new TypeError("contentConverter must have serialize() and deserialize(), like JsonConverter");
  }
  return converter;
}

function resolveOrigin(policy: OriginPolicy | undefined): ResolvedServerOptions["origin"] {
  if (policy === undefined) return null;
  if (typeof policy === "function") return policy;
  if (!Array.isArray(policy)) throw new TypeError("origin must be a list of origins or a function (origin, request) => boolean");
  const allowed = new Set<string>();
  for (const entry of policy as readonly unknown[]) {
    if (typeof entry !== "string") throw new TypeError(`origin entries must be strings, got ${typeof entry}`);
    // An entry that is not a serialized origin (a path, a default port, no scheme) could never match.
    let serialized: string | null = null;
    try {
      serialized = new URL(entry).origin;
    } catch {
      // reported below
    }
    if (serialized === null || serialized === "null" || serialized !== entry.toLowerCase()) {
      throw new TypeError(
        `origin entries must be origins like "https://example.com" (scheme, host, port if not the default; no path), got ${JSON.stringify(entry)}` +
          (serialized !== null && serialized !== "null" ? `; did you mean ${JSON.stringify(serialized)}?` : ""),
      );
    }
    allowed.add(serialized);
  }
  return (origin) => origin !== undefined && allowed.has(origin.toLowerCase());
}

function resolveExtensions(configure: WebSocketServerOptions["extensions"]): readonly ServerExtension[] {
  const block = checkOptionalFunction(configure, "extensions");
  if (block === null) return [];
  const extensions = new WebSocketExtensionsConfig();
  block(extensions);
  return extensions.buildServer();
}

function resolveMaxConnections(value: number | undefined): number {
  if (value === undefined || value === Infinity) return Infinity;
  if (typeof value !== "number") throw typeError("maxConnections", "a whole number >= 1 or Infinity", value);
  if (!Number.isSafeInteger(value) || value < 1) throw rangeError("maxConnections", "a whole number >= 1 or Infinity", value);
  return value;
}

function checkOptionalFunction<F>(value: F | undefined, what: string): F | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "function") throw new TypeError(`${what} must be a function, got ${typeof value}`);
  return value;
}

function checkOptionalBoolean(value: boolean | undefined, what: string): boolean | null {
  if (value === undefined) return null;
  if (typeof value !== "boolean") throw typeError(what, "true or false", value);
  return value;
}

function reportToConsole(error: unknown, request: WebSocketServerRequest | null): void {
  console.error(`kite-ws/server: error${request ? ` on ${request.url.pathname}` : ""}:`, error);
}
