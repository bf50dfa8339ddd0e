import type { HttpClient } from "../client/http-client.js";
import type { ReconnectingWebSocketSession } from "../plugins/reconnect/reconnecting-session.js";
import type { ClosedEvent } from "../plugins/reconnect/events.js";
import { ReconnectGaveUpError } from "../plugins/reconnect/errors.js";
import type { DefaultWebSocketSession } from "../session/default-session.js";
import type { CloseReason } from "../protocol/close-reason.js";
import type { ConnectOptions } from "./connect-options.js";
import { reportConnectFailure } from "./connect-report.js";
import type { ConversationSession } from "./conversation.js";
import { ConversationBase, subprotocolText } from "./conversation-base.js";
import { ExitCode, closeTimeoutOf } from "./exit-codes.js";
import { describeError, escapeControls } from "./output.js";
import type { LineConsole } from "./terminal.js";

/** `kite connect --reconnect`: one reconnecting session for the whole run. */
export function openReconnectingConversation(client: HttpClient, options: ConnectOptions, terminal: LineConsole): ConversationSession {
  // The preamble goes out in an onOpen hook: before what was queued while disconnected, on every connection.
  const onOpen = async (session: DefaultWebSocketSession): Promise<void> => {
    for (const message of options.preamble) await session.send(message);
  };
  return new ReconnectingConversation(client.reconnectingSession(options.target, { onOpen }), terminal, options);
}

/**
 * A conversation over a reconnecting session: messages from every connection are printed, lines
 * are sent (queued while disconnected), and each loss, wait and reconnect is told on stderr.
 */
class ReconnectingConversation extends ConversationBase<ReconnectingWebSocketSession> {
  private everOpened = false;
  /** We started the close: what happens to the connection from then on is ours, not news. */
  private closing = false;
  private lastFailure: unknown = null;
  /** The connection that ended, told with the retry that follows. */
  private lastClosed: ClosedEvent | null = null;
  /** Why the connection we were closing failed (a close handshake that timed out), if it did. */
  private ourCloseFailure: unknown = null;

  announce(): void {
    const { session, terminal, options } = this;
    const say = (text: string): void => {
      if (!options.quiet) terminal.status(text);
    };
    session.on("open", (event) => {
      this.lastFailure = null;
      const protocol = event.session.protocol;
      if (!this.everOpened) {
        this.everOpened = true;
        say(this.connectedLine(protocol));
      } else {
        say(`${terminal.err.green("reconnected")} to ${options.href}${subprotocolText(protocol)} (attempt ${event.attempt})`);
      }
    });
    session.on("closed", (event) => {
      if (this.closing) {
        this.ourCloseFailure = event.error;
        return;
      }
      // Told with the retry that follows; a close that ends the run is told by the last line.
      this.lastClosed = event;
      if (event.unconfirmed.length > 0) {
        const count = event.unconfirmed.length;
        terminal.status(terminal.err.yellow(`kite: ${count} message${count === 1 ? "" : "s"} sent just before may not have arrived (not resent)`));
      }
    });
    session.on("failed", (event) => (this.lastFailure = event.error));
    session.on("retry", (event) => {
      if (this.lastClosed !== null) {
        const { reason, error } = this.lastClosed;
        const why = error === null ? "" : ` (${error.name})`;
        const what = reason === null ? "" : ` ${reason.code}${reason.message === "" ? "" : ` ${escapeControls(reason.message)}`}`;
        say(terminal.err.yellow(`${error === null ? "closed by the server:" : "connection lost:"}${what}${why}`));
        this.lastClosed = null;
      }
      const failure = this.lastFailure === null ? "" : `: ${describeError(this.lastFailure)}`;
      const asked = event.retryAfterMillis === null ? "" : ", as Retry-After asks";
      say(terminal.err.dim(`reconnecting in ${formatWait(event.delayMillis)} (attempt ${event.attempt}${asked})${failure}`));
    });
  }

  override close(reason: CloseReason): void {
    this.closing = true;
    super.close(reason);
  }

  async whenOver(): Promise<void> {
    await this.session.ended;
  }

  async conclude(_failure: unknown, closedByUs: boolean): Promise<number> {
    const { terminal, options } = this;
    const ended = await this.session.ended;
    const gaveUp = ended.error instanceof ReconnectGaveUpError ? ended.error : null;
    if (gaveUp !== null && !this.everOpened) {
      const cause = gaveUp.cause instanceof Error ? gaveUp.cause : gaveUp;
      if (gaveUp.why === "maxAttempts") {
        terminal.status(terminal.err.red(`kite: cannot connect to ${options.href}: gave up after ${gaveUp.attempts} attempts: ${describeError(cause)}`));
      } else {
        reportConnectFailure(terminal, options.href, cause, options.json);
      }
      return ExitCode.FAILED;
    }
    // The session ends without an error when we close it, even if its last close handshake timed out.
    return this.finish(ended.reason, ended.error ?? closeTimeoutOf(this.ourCloseFailure), closedByUs);
  }

  dispose(): void {
    this.session.terminate();
  }

  protected connection(): DefaultWebSocketSession | null {
    return this.session.session;
  }
}

/** "0.4s", "12.0s", "250 ms". */
function formatWait(millis: number): string {
  return millis < 1000 ? `${Math.round(millis)} ms` : `${(millis / 1000).toFixed(1)}s`;
}
