import type { WebSocketRequest } from "../../engine/engine.js";
import { typeError } from "../../util/describe-value.js";

/**
 * How much the Logging plugin writes, each level adding to the one before:
 *
 * - `"none"`: nothing; the plugin stays out of the way as if it were not installed.
 * - `"info"`: one line per event of a connection's life: the handshake request (its URL, credentials
 *   removed and secret-looking query parameters redacted), its outcome (status, time taken,
 *   negotiated subprotocol and extensions, or the failure and its status), Close frames sent and
 *   received (code and reason), protocol errors, and how the session ended (its `closeReason`, or
 *   the error that cut the connection).
 * - `"headers"`: also the handshake's request and response headers, secrets redacted.
 * - `"frames"`: also every frame in both directions (type, fin, size and a short preview: text
 *   escaped and cut, binary as a few hex bytes), pings and pongs with the round-trip time of each
 *   pong that answers one of our pings. Previews show payloads: whatever the application sends.
 * - `"all"`: also flow control (reading paused and resumed, writes waiting for a drain, the
 *   connection being ended or cut) and longer previews.
 */
export type LogLevel = "none" | "info" | "headers" | "frames" | "all";

/** The levels from least to most. */
const LEVELS: readonly LogLevel[] = ["none", "info", "headers", "frames", "all"];

/** @internal A level's rank, for "at least" comparisons. */
export function levelRank(level: LogLevel): number {
  return LEVELS.indexOf(level);
}

/**
 * Where the Logging plugin's lines go, as Ktor's `Logger`: a function taking one line, or an object
 * with `log(message)` (a `console`, a pino or winston logger's bound method...). Each call gets one
 * line without a trailing newline. A logger that throws does not disturb the connection.
 */
export type Logger =
  | ((message: string) => void)
  | {
      /** Writes one line. */
      log(message: string): void;
    };

/** Decides whether a header (lowercase name) or query parameter (decoded name) is a secret. */
export type SanitizePredicate = (name: string) => boolean;

/** Decides whether a connection is logged, from its handshake request (as Ktor's `filter`). */
export type LoggingFilter = (request: WebSocketRequest) => boolean;

/** The default placeholder shown instead of a redacted value, as Ktor's. */
export const REDACTED = "***";

/**
 * The Logging plugin's configuration (`install(Logging, (l) => { ... })`). Installing the plugin
 * twice runs both blocks on one configuration: the last `level` and `logger` win, sanitizers and
 * filters add up. Setters check their value at once and throw a `TypeError` naming the setting.
 */
export class LoggingConfig {
  private levelValue: LogLevel = "headers";
  private loggerValue: Logger = consoleLogger;
  /** @internal Header sanitizers added with `sanitizeHeader`, each with its placeholder. */
  readonly headerSanitizers: { readonly predicate: SanitizePredicate; readonly placeholder: string }[] = [];
  /** @internal Query parameter sanitizers added with `sanitizeQueryParameter`. */
  readonly queryParameterSanitizers: SanitizePredicate[] = [];
  /** @internal Filters added with `filter`; a connection is logged when every one accepts it. */
  readonly filters: LoggingFilter[] = [];

  /** What is logged; `"headers"` by default, as Ktor's. See `LogLevel`. */
  get level(): LogLevel {
    return this.levelValue;
  }

  /** Takes one of the `LogLevel` names; a `TypeError` otherwise. */
  set level(level: LogLevel) {
    if (!LEVELS.includes(level)) throw typeError("level", `one of ${LEVELS.map((name) => JSON.stringify(name)).join(", ")}`, level);
    this.levelValue = level;
  }

  /** Where lines go; by default `console.log`, one line per call. */
  get logger(): Logger {
    return this.loggerValue;
  }

  /** Takes a function or an object with `log(message)`; a `TypeError` otherwise. */
  set logger(logger: Logger) {
    const valid = typeof logger === "function" || (logger !== null && typeof logger === "object" && typeof logger.log === "function");
    if (!valid) throw typeError("logger", "a function (message) => void or an object with log(message)", logger);
    this.loggerValue = logger;
  }

  /**
   * Shows `placeholder` instead of the value of every header `predicate` accepts (it gets the
   * lowercase name). `Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie` and names with
   * token, secret, password, api-key, credential or session in them are always redacted.
   */
  sanitizeHeader(predicate: SanitizePredicate, placeholder: string = REDACTED): void {
    if (typeof predicate !== "function") throw typeError("sanitizeHeader(predicate): predicate", "a function (name) => boolean", predicate);
    if (typeof placeholder !== "string") throw typeError("sanitizeHeader(predicate, placeholder): placeholder", "a string", placeholder);
    this.headerSanitizers.push({ predicate, placeholder });
  }

  /**
   * Redacts the value of every URL query parameter `predicate` accepts (it gets the decoded name).
   * Secret-looking names (token, key, secret, password, auth, signature, session, code, ...) are
   * always redacted, and credentials (`user:password@`) are never shown.
   */
  sanitizeQueryParameter(predicate: SanitizePredicate): void {
    if (typeof predicate !== "function") throw typeError("sanitizeQueryParameter(predicate): predicate", "a function (name) => boolean", predicate);
    this.queryParameterSanitizers.push(predicate);
  }

  /** Logs only the connections whose handshake request `predicate` accepts; filters add up. */
  filter(predicate: LoggingFilter): void {
    if (typeof predicate !== "function") throw typeError("filter(predicate): predicate", "a function (request) => boolean", predicate);
    this.filters.push(predicate);
  }
}

/** The default logger: `console.log`, looked up at each call so a replaced console is honoured. */
function consoleLogger(message: string): void {
  console.log(message);
}
