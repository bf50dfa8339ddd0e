import type { HttpClient } from "../client/http-client.js";
import type { DefaultWebSocketSession } from "../session/default-session.js";
import type { CloseReason } from "../protocol/close-reason.js";
import type { Frame } from "../protocol/frame.js";
import type { ConnectOptions } from "./connect-options.js";
import { reportClose, reportConnectFailure } from "./connect-report.js";
import type { ConversationSession, SetInterruptHandlers } from "./conversation.js";
import { ExitCode, sessionExitCode } from "./exit-codes.js";
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
    return new SessionConversation(session, terminal, options);
  } catch (error) {
    if (connecting.signal.aborted) return ExitCode.INTERRUPTED;
    reportConnectFailure(terminal, options.href, error);
    return ExitCode.FAILED;
  }
}

/** A conversation over one connection: it ends with it. */
class SessionConversation implements ConversationSession {
  constructor(
    private readonly session: DefaultWebSocketSession,
    private readonly terminal: LineConsole,
    private readonly options: ConnectOptions,
  ) {}

  get incoming(): AsyncIterable<Frame> {
    return this.session.incoming;
  }

  send(payload: string | Uint8Array): Promise<void> {
    return this.session.send(payload);
  }

  flush(): Promise<void> {
    return this.session.flush();
  }

  announce(): void {
    const { terminal, options, session } = this;
    if (options.quiet) return;
    const protocol = session.protocol === null ? "" : ` (subprotocol ${session.protocol})`;
    const hint = terminal.interactive ? terminal.err.dim(" — Ctrl-D closes, Ctrl-C quits") : "";
    terminal.status(`${terminal.err.green("connected")} to ${options.href}${protocol}${hint}`);
  }

  close(reason: CloseReason): void {
    // Only the close handshake's deadline: set now, so the pong deadline of --ping stays as it was.
    if (this.options.closeTimeoutMillis !== null) this.session.timeoutMillis = this.options.closeTimeoutMillis;
    void this.session.close(reason);
  }

  terminate(): void {
    this.session.terminate();
  }

  async whenOver(): Promise<void> {
    // Waits for the connection to end, so our answer to the server's Close goes out.
    await this.session.close();
  }

  async conclude(failure: unknown, closedByUs: boolean): Promise<number> {
    const reason = await this.session.closeReason;
    const code = sessionExitCode(failure, reason, closedByUs);
    reportClose(this.terminal, reason, failure, code, this.options.quiet);
    return code;
  }

  dispose(): void {}
}
