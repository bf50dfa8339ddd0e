import { CloseReason } from "../../protocol/close-reason.js";
import {
  ConnectError,
  ConnectionClosedError,
  ConnectTimeoutError,
  PingTimeoutError,
  TlsError,
  WebSocketHandshakeError,
} from "../../errors.js";
import { findCause } from "../../util/find-cause.js";

/** Why a connection ended or an attempt failed: the close reason of a session, or an error. */
export type ReconnectCause = CloseReason | Error;

/** What `shouldReconnect` is told besides the cause. */
export interface ReconnectContext {
  /** The attempt that just ended, 1-based, counted since the last connection that stayed up `minUptime`. */
  readonly attempt: number;
  /** Whether that attempt had opened a session (false: it failed to connect). */
  readonly opened: boolean;
  /** Milliseconds the `Retry-After` header of a 429 / 503 answer asks for, or null. */
  readonly retryAfterMillis: number | null;
}

/**
 * Close codes after which the default policy reconnects: the peer going away (1001), no close
 * handshake (1006), a server error (1011), a restart (1012), "try again later" (1013) and a bad
 * gateway (1014). Every other code, 1000 included, is taken as the peer's decision.
 */
export const RECONNECT_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseReason.Codes.GOING_AWAY,
  CloseReason.Codes.CLOSED_ABNORMALLY,
  CloseReason.Codes.INTERNAL_ERROR,
  CloseReason.Codes.SERVICE_RESTART,
  CloseReason.Codes.TRY_AGAIN_LATER,
  1014,
]);

/**
 * System error codes of a network that failed for now. ENOTFOUND (the name does not exist) is not
 * one: retrying a misspelt host forever helps nobody; EAI_AGAIN (the resolver is unreachable) is.
 */
const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENETRESET",
  "EADDRNOTAVAIL",
  "EAI_AGAIN",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
  // undici (fetch), for target functions that fetch a token first.
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * The default `shouldReconnect`:
 *
 * | cause | reconnect |
 * | --- | --- |
 * | close 1001, 1006, 1011, 1012, 1013, 1014 | yes |
 * | close 1000, 1002, 1003, 1005, 1007, 1008, 1009, 1010, 3000–4999 | no |
 * | `ConnectionClosedError`, `PingTimeoutError`, `ConnectTimeoutError` | yes |
 * | network errors (`ConnectError` with ECONNREFUSED, ECONNRESET, ETIMEDOUT, EHOSTUNREACH, EAI_AGAIN, ...) | yes |
 * | handshake answered 429 or 5xx (429 and 503 wait for `Retry-After`) | yes |
 * | handshake cut before a complete answer (status 0) | yes |
 * | handshake answered 4xx (but 429), 3xx, or a 101 that breaks RFC 6455 | no |
 * | an error with a `closeCode` (protocol error 1002, invalid UTF-8 1007, too big 1009) | by that code |
 * | `TlsError` (an untrusted certificate, a port that does not speak TLS), ENOTFOUND | no |
 * | anything else (a bad URL, an aborted signal) | no |
 *
 * Errors are looked through along their `cause` chain (`ClosedReceiveChannelError` → cause).
 */
export function defaultShouldReconnect(cause: ReconnectCause): boolean {
  if (cause instanceof CloseReason) return RECONNECT_CLOSE_CODES.has(cause.code);
  return isTransientError(cause);
}

/** Whether `error` (or the first decisive error along its `cause` chain) is worth another attempt. */
export function isTransientError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++, current = current.cause) {
    if (current instanceof WebSocketHandshakeError) {
      const status = current.status;
      return status === 0 || status === 429 || (status >= 500 && status <= 599);
    }
    if (current instanceof PingTimeoutError || current instanceof ConnectionClosedError || current instanceof ConnectTimeoutError) {
      return true;
    }
    // An untrusted certificate or a port that does not speak TLS will not fix itself.
    if (current instanceof TlsError) return false;
    if (current instanceof ConnectError) return current.systemCode !== null && NETWORK_ERROR_CODES.has(current.systemCode);
    const closeCode = (current as { closeCode?: unknown }).closeCode;
    if (typeof closeCode === "number") return RECONNECT_CLOSE_CODES.has(closeCode);
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_ERROR_CODES.has(code)) return true;
    // Connecting to a name with several addresses (IPv6 and IPv4) fails with one error per address.
    if (current instanceof AggregateError) return current.errors.some((inner) => isTransientError(inner));
  }
  return false;
}

/** IMF-fixdate and the obsolete RFC 850 form (RFC 9110 §5.6.7) begin with a day name and a comma. */
const HTTP_DATE = /^[A-Za-z]{3,9}, /;

/**
 * The wait a 429 or 503 handshake answer asks for in its `Retry-After` header (seconds, or an
 * HTTP date), in milliseconds; null when the cause is something else or the header is missing or
 * malformed. A date in the past gives 0.
 */
export function retryAfterMillis(cause: ReconnectCause, now: number = Date.now()): number | null {
  const error = findCause(cause, WebSocketHandshakeError);
  if (error === null || (error.status !== 429 && error.status !== 503)) return null;
  const value = error.headers.get("retry-after")?.trim();
  if (value === undefined || value === "") return null;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!HTTP_DATE.test(value)) return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Full jitter (the AWS Architecture Blog's "Exponential Backoff And Jitter"): a delay drawn
 * uniformly from [0, min(maxDelay, minDelay × factor^n)), so clients that failed together spread out.
 * @param n how many waits came before this one in the current streak (0 for the first)
 */
export function backoffDelay(n: number, settings: { minDelayMillis: number; maxDelayMillis: number; factor: number }, random: () => number): number {
  const cap = Math.min(settings.maxDelayMillis, settings.minDelayMillis * Math.pow(settings.factor, n));
  const draw = random();
  // A random source out of [0, 1) is clamped, so a delay is never NaN or beyond the cap.
  const unit = Number.isFinite(draw) ? Math.min(Math.max(draw, 0), 1 - Number.EPSILON) : 0;
  return Math.floor(unit * cap);
}
