import type { CloseReason } from "../protocol/close-reason.js";
import { WebSocketHandshakeError } from "../errors.js";
import { ExitCode, closeTimeoutOf } from "./exit-codes.js";
import { describeError, escapeControls, formatClose } from "./output.js";
import type { LineConsole } from "./terminal.js";

/** Prints why a connection could not be made, with the start of a refused handshake's body. */
export function reportConnectFailure(terminal: LineConsole, href: string, error: unknown): void {
  terminal.status(terminal.err.red(`kite: cannot connect to ${href}: ${describeError(error)}`));
  if (error instanceof WebSocketHandshakeError && error.body.trim() !== "") {
    const body = error.body.trim();
    terminal.status(terminal.err.dim(escapeControls(body.length > 500 ? `${body.slice(0, 500)}…` : body)));
  }
}

/**
 * Prints how a session ended: the close line and, after a failure, the error's class (in the line
 * when the reason already gives its message, else on a line of its own).
 */
export function reportClose(terminal: LineConsole, reason: CloseReason | null, failure: unknown, code: number, quiet: boolean): void {
  const normal = code === ExitCode.OK;
  if (quiet && normal) return;
  const timedOut = closeTimeoutOf(failure);
  if (timedOut !== null) {
    // Not "connection lost": the connection was fine, the server just never confirmed the close.
    const line = `kite: close handshake timed out after ${timedOut.timeoutMillis} ms: the server did not answer our Close frame, so the connection was cut (1006)`;
    terminal.status(terminal.err.yellow(line));
    return;
  }
  // `incoming` fails with ClosedReceiveChannelError; its cause says what happened.
  const cause = failure instanceof Error && failure.cause instanceof Error ? failure.cause : failure;
  const explained = cause instanceof Error && reason !== null && reason.message !== "" && cause.message.includes(reason.message);
  let line = reason === null ? "closed" : formatClose(reason);
  if (explained) line += ` (${cause.name})`;
  terminal.status(normal ? terminal.err.dim(line) : terminal.err.yellow(line));
  if (cause instanceof Error && !explained) terminal.status(terminal.err.red(`kite: ${describeError(cause)}`));
}
