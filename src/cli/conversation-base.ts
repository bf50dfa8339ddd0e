import type { CloseReason } from "../protocol/close-reason.js";
import type { Frame } from "../protocol/frame.js";
import type { ConnectOptions } from "./connect-options.js";
import { reportClose } from "./connect-report.js";
import type { ConversationSession } from "./conversation.js";
import { closeTimeoutOf, sessionExitCode } from "./exit-codes.js";
import { errorEvent } from "./output.js";
import type { LineConsole } from "./terminal.js";

/** What a conversation needs of its session: a plain session and a reconnecting one both have it. */
export interface TalkingSession {
  readonly incoming: AsyncIterable<Frame>;
  send(payload: string | Uint8Array | Frame): Promise<void>;
  flush(): Promise<void>;
  close(reason: CloseReason): Promise<void>;
  terminate(): void;
}

/**
 * What `kite connect` and `kite connect --reconnect` do alike: pass messages through to the session,
 * say "connected", close with `--close-timeout`, and end with an exit code and its line.
 */
export abstract class ConversationBase<S extends TalkingSession> implements ConversationSession {
  constructor(
    protected readonly session: S,
    protected readonly terminal: LineConsole,
    protected readonly options: ConnectOptions,
  ) {}

  get incoming(): AsyncIterable<Frame> {
    return this.session.incoming;
  }

  send(payload: string | Uint8Array | Frame): Promise<void> {
    return this.session.send(payload);
  }

  flush(): Promise<void> {
    return this.session.flush();
  }

  close(reason: CloseReason): void {
    const connection = this.connection();
    // Only the close handshake's deadline: set now, so the pong deadline of --ping stays as it was.
    if (connection !== null && this.options.closeTimeoutMillis !== null) connection.timeoutMillis = this.options.closeTimeoutMillis;
    void this.session.close(reason);
  }

  terminate(): void {
    this.session.terminate();
  }

  abstract announce(): void;
  abstract whenOver(): Promise<void>;
  abstract conclude(failure: unknown, closedByUs: boolean): Promise<number>;
  abstract dispose(): void;

  /** The open connection, whose close handshake `--close-timeout` bounds, or null. */
  protected abstract connection(): { timeoutMillis: number } | null;

  /** The first line: "connected to <url> (subprotocol x) — Ctrl-D closes, Ctrl-C quits". */
  protected connectedLine(protocol: string | null): string {
    const { terminal, options } = this;
    const hint = terminal.interactive ? terminal.err.dim(" — Ctrl-D closes, Ctrl-C quits") : "";
    return `${terminal.err.green("connected")} to ${options.href}${subprotocolText(protocol)}${hint}`;
  }

  /** Tells how the session ended and gives its exit code. */
  protected finish(reason: CloseReason | null, failure: unknown, closedByUs: boolean): number {
    const code = sessionExitCode(failure, reason, closedByUs);
    if (this.options.json) {
      const timedOut = closeTimeoutOf(failure);
      const cause = timedOut ?? (failure instanceof Error && failure.cause instanceof Error ? failure.cause : failure);
      if (cause !== null) this.terminal.event(errorEvent(cause));
      this.terminal.event({ event: "close", code: reason?.code ?? null, reason: reason?.message ?? "", by: closedByUs ? "us" : "server", exitCode: code });
    }
    reportClose(this.terminal, reason, failure, code, this.options.quiet);
    return code;
  }
}

/** " (subprotocol x)", or nothing without one. */
export function subprotocolText(protocol: string | null): string {
  return protocol === null ? "" : ` (subprotocol ${protocol})`;
}
