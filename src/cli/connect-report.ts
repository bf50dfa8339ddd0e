import type { CloseReason } from "../protocol/close-reason.js";
import { WebSocketHandshakeError } from "../errors.js";
import { ExitCode, closeTimeoutOf } from "./exit-codes.js";
import { describeError, errorEvent, escapeControls, formatClose } from "./output.js";
import type { LineConsole } from "./terminal.js";

/** OpenSSL's codes for a server certificate that could not be verified. */
const UNTRUSTED_CODES: ReadonlySet<string> = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
]);

/** The codes and messages along an error's causes (and an AggregateError's errors). */
function errorTexts(error: unknown, depth = 0): string[] {
  if (!(error instanceof Error) || depth > 8) return [];
  const code = (error as { code?: unknown }).code;
  const own = [typeof code === "string" ? code : "", error.message];
  const inner = error instanceof AggregateError ? error.errors.flatMap((e: unknown) => errorTexts(e, depth + 1)) : [];
  return [...own, ...inner, ...errorTexts(error.cause, depth + 1)];
}

/**
 * The flags that fix a TLS failure, or null when it is not one: an untrusted certificate wants
 * --ca (or -k), a name mismatch --servername, and a server that asks for a client certificate --cert/--key.
 */
export function tlsHint(error: unknown): string | null {
  const texts = errorTexts(error);
  if (texts.some((text) => UNTRUSTED_CODES.has(text))) {
    return "the server's certificate is not trusted: pass --ca <file> with the certificate of the authority that signed it (or the server's own, if self-signed), or -k to skip verification (insecure)";
  }
  if (texts.includes("ERR_TLS_CERT_ALTNAME_INVALID")) {
    return "the server's certificate is for another name: pass --servername <name> with a name it is for, or -k to skip verification (insecure)";
  }
  if (texts.some((text) => /certificate required|handshake failure|ALERT_CERTIFICATE_REQUIRED|ALERT_HANDSHAKE_FAILURE|peer did not return a certificate/i.test(text))) {
    return "the server may want a client certificate: pass --cert <file> --key <file>";
  }
  return null;
}

/** For a redirect answer that was not followed because -L was not given: say that -L follows it. */
function redirectHint(error: unknown): string | null {
  if (!(error instanceof WebSocketHandshakeError) || ![301, 302, 303, 307, 308].includes(error.status)) return null;
  if (/refused|cannot follow|not a valid URL|only GET/.test(error.message)) return null;
  return "the server redirects the upgrade: pass -L to follow it";
}

/** Prints why a connection could not be made, with the start of a refused handshake's body. */
export function reportConnectFailure(terminal: LineConsole, href: string, error: unknown, json = false): void {
  if (json) terminal.event(errorEvent(error));
  terminal.status(terminal.err.red(`kite: cannot connect to ${href}: ${describeError(error)}`));
  const hint = tlsHint(error) ?? redirectHint(error);
  if (hint !== null) terminal.status(terminal.err.yellow(`kite: ${hint}`));
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
