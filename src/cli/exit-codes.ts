import { CloseReason } from "../protocol/close-reason.js";
import { CloseTimeoutError } from "../errors.js";
import { findCause } from "../util/find-cause.js";

/** How `kite` ends; `kite connect --help` documents the same table. */
export const ExitCode = Object.freeze({
  /** Closed normally: by us (end of input, Ctrl-C) or by the server with 1000, 1001 or no code. */
  OK: 0,
  /** Could not connect (network, TLS, timeout, refused handshake) or could not listen. */
  FAILED: 1,
  /** The command line was wrong. */
  USAGE: 2,
  /** The session ended abnormally: 1006, protocol error, ping timeout, or another close code from the server. */
  ABNORMAL_CLOSE: 3,
  /** We closed, and the server did not answer our Close frame in time: the connection was cut (1006). */
  CLOSE_TIMEOUT: 4,
  /** A second Ctrl-C cut the connection without waiting for the close handshake (128 + SIGINT). */
  INTERRUPTED: 130,
} as const);

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Close codes from the server that still mean "all went well". */
const NORMAL_CODES: ReadonlySet<number> = new Set([
  CloseReason.Codes.NORMAL,
  CloseReason.Codes.GOING_AWAY,
  CloseReason.Codes.NO_STATUS_RECEIVED,
]);

/**
 * The exit code of a session that was open.
 * @param failure why `incoming` failed, or null when it simply ended (a close handshake completed)
 * @param reason the session's `closeReason`
 * @param closedByUs whether we sent the first Close frame
 */
export function sessionExitCode(failure: unknown, reason: CloseReason | null, closedByUs: boolean): ExitCode {
  if (closeTimeoutOf(failure) !== null) return ExitCode.CLOSE_TIMEOUT;
  if (failure !== null) return ExitCode.ABNORMAL_CLOSE;
  if (closedByUs) return ExitCode.OK;
  if (reason === null || NORMAL_CODES.has(reason.code)) return ExitCode.OK;
  return ExitCode.ABNORMAL_CLOSE;
}

/**
 * The `CloseTimeoutError` that ended a session, found in `failure` or its causes (`incoming` may
 * wrap it in a `ClosedReceiveChannelError`), or null.
 */
export function closeTimeoutOf(failure: unknown): CloseTimeoutError | null {
  return findCause(failure, CloseTimeoutError);
}
