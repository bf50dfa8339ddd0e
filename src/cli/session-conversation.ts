import type { HttpClient } from "../client/http-client.js";
import type { DefaultWebSocketSession } from "../session/default-session.js";
import type { ConnectOptions } from "./connect-options.js";
import { reportConnectFailure } from "./connect-report.js";
import type { ConversationSession, SetInterruptHandlers } from "./conversation.js";
import { ConversationBase } from "./conversation-base.js";
import { ExitCode } from "./exit-codes.js";
import type { LineConsole } from "./terminal.js";

/**
 * `kite connect` without `--reconnect`: connects once (Ctrl-C meanwhile gives up) and gives the
 * conversation over that session, or the exit code of a connect that failed, reported.
 */
export async function openSessionConversation(
  client: HttpClient,
  options: ConnectOptions,
  terminal: LineConsole,
  setInterruptHandlers: SetInterruptHandlers,
): Promise<ConversationSession | number> {
  const connecting = new AbortController();
  const giveUp = (): void => connecting.abort(new Error("interrupted"));
  setInterruptHandlers(giveUp, giveUp);
  try {
    const session = await client.webSocketSession({ ...options.target, signal: connecting.signal });
    // Queued before anything typed or piped: the preamble is the first thing the server reads.
    for (const message of options.preamble) void session.send(message).catch(() => {});
    return new SessionConversation(session, terminal, options);
  } catch (error) {
    if (connecting.signal.aborted) return ExitCode.INTERRUPTED;
    reportConnectFailure(terminal, options.href, error, options.json);
    return ExitCode.FAILED;
  }
}

/** A conversation over one connection: it ends with it. */
class SessionConversation extends ConversationBase<DefaultWebSocketSession> {
  announce(): void {
    if (!this.options.quiet) this.terminal.status(this.connectedLine(this.session.protocol));
  }

  async whenOver(): Promise<void> {
    // Waits for the connection to end, so our answer to the server's Close goes out.
    await this.session.close();
  }

  async conclude(failure: unknown, closedByUs: boolean): Promise<number> {
    return this.finish(await this.session.closeReason, failure, closedByUs);
  }

  dispose(): void {}

  protected connection(): DefaultWebSocketSession {
    return this.session;
  }
}
